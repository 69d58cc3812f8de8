// PostHog's data warehouse as aesync uses it (docs/posthog.md): the source settings that point PostHog
// at the exported files (URL pattern, format name, the read-only key pair), the requests that
// create or update the warehouse table and the saved join with `events`, and the lookups that
// decide between creating and updating. The `aesync posthog` and `check` commands print what
// these return; nothing here writes to a terminal.
//
// The URL pattern is <endpoint>/<bucket>/[<prefix>/]*/<data file name>: one `*` matches the day
// folder (ClickHouse's s3() globs do not cross '/').
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "posthog/client.h"

namespace aesync::posthog {

//! What --dry-run and `print` show instead of a secret.
constexpr std::string_view kMask = "***";

//! The [posthog] settings of `config`. Throws ConfigError when there are none, or when the
//! destination is local (PostHog reads the files from R2 or S3).
const PostHogConfig& settings_of(const Config& config);

//! The format name PostHog's warehouse (ClickHouse's s3()) knows the data files by:
//! "Parquet" or "CSVWithNames".
std::string format_name(OutputFormat format);

//! The files URL pattern of the warehouse table (see above).
std::string url_pattern(const Config& config);

//! The JSON body of the warehouse table's POST and PATCH; `secret` is the real read secret or
//! kMask.
std::string table_body(const Config& config, std::string_view secret);

//! The JSON body of the saved join events.<join_events_on> = <table>.machine_id.
std::string view_link_body(const PostHogConfig& settings);

//! "events.<join_events_on> = <table>.machine_id"
std::string events_join(const PostHogConfig& settings);

//! One request `link` may make, as --dry-run shows it.
struct PlannedRequest {
  std::string method;
  std::string path;  //!< from /api/...; "<table id>" where the id is not known yet
  std::string body;  //!< the read secret masked
  std::string when;  //!< the condition under which it is sent, or empty
};

//! Every request `link` may make, in order.
std::vector<PlannedRequest> link_plan(const Config& config);

//! The warehouse table of this name, as the table list shows it.
struct TableLookup {
  bool found = false;             //!< a table of exactly this name exists
  std::optional<std::string> id;  //!< the first such table's id that PostHog gives
};

//! The warehouse API of one project. Every call throws Error with PostHog's words on failure.
class Warehouse {
 public:
  //! `config` must outlive the Warehouse.
  explicit Warehouse(const Config& config);

  //! Looks up the table named posthog.table (the search matches substrings: exact names only).
  TableLookup find_table();
  //! POSTs the table; returns its id.
  std::string create_table();
  //! PATCHes the table `id` with the current settings.
  void update_table(const std::string& id);
  //! Refreshes the schema of table `id`; the number of columns PostHog now knows, if it says.
  std::optional<size_t> refresh_schema(const std::string& id);
  //! Whether the saved join events_join() exists, looking through every page of saved joins.
  bool events_join_exists();
  //! Creates the saved join events_join().
  void create_events_join();

 private:
  const Config& config_;
  const PostHogConfig& settings_;
  Client client_;
};

}  // namespace aesync::posthog
