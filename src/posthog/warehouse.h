// PostHog's data warehouse as aesync uses it (docs/posthog.md): one warehouse table per table of the
// config (Config::tables: a [[tables]] entry, or the single posthog.table of a config without
// them), each with the source settings that point PostHog at its files (URL pattern, format name,
// the read-only key pair), the requests that create or update it, refresh its schema and make
// its optional saved join with `events`, and the lookups that decide between creating and
// updating. The `aesync posthog` and `check` commands print what these return; nothing here
// writes to a terminal.
//
// A table's URL pattern is <endpoint>/<bucket>/[<prefix>/]*/<data file name>, <prefix> being the
// table's own: one `*` matches the day folder (ClickHouse's s3() globs do not cross '/').
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

//! One warehouse table as the posthog stage sees a table of the config.
struct WarehouseTable {
  std::string name;            //!< the PostHog table
  std::string prefix;          //!< where its days live in the destination ("" = the bucket's root)
  std::string join_events_on;  //!< empty = no saved join
};

//! The warehouse tables of `config`, in config order: one per Config::tables entry. A Config
//! built in code with no tables has the one table posthog.table under destination.prefix (with
//! posthog.join_events_on), as a loaded config without [[tables]] has.
std::vector<WarehouseTable> warehouse_tables(const Config& config);

//! The table named `name` of `tables`, or all of them when `name` is empty (`--table`). Throws
//! UsageError naming the tables when none has that name.
std::vector<WarehouseTable> select_tables(const std::vector<WarehouseTable>& tables, std::string_view name);

//! The files URL pattern of `table` (see above).
std::string url_pattern(const Config& config, const WarehouseTable& table);

//! The JSON body of the POST and PATCH of `table`; `secret` is the real read secret or kMask.
std::string table_body(const Config& config, const WarehouseTable& table, std::string_view secret);

//! The JSON body of the saved join events.<join_events_on> = <table>.machine_id.
std::string view_link_body(const WarehouseTable& table);

//! "events.<join_events_on> = <table>.machine_id"
std::string events_join(const WarehouseTable& table);

//! Whether PostHog's error answer to refresh_schema says this release cannot do it: 404 (a
//! release without the action has no such route) or 405 (one that routes the path without POST).
bool refresh_unsupported(long status);

//! One request `link` may make, as --dry-run shows it.
struct PlannedRequest {
  std::string method;
  std::string path;  //!< from /api/...; "<table id>" where the id is not known yet
  std::string body;  //!< the read secret masked
  std::string when;  //!< the condition under which it is sent, or empty
};

//! Every request `link` may make for `tables`, in order: each table's lookup, create or update,
//! schema refresh and saved join, one table after the other.
std::vector<PlannedRequest> link_plan(const Config& config, const std::vector<WarehouseTable>& tables);

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

  //! Looks up the warehouse table named `table.name` (the search matches substrings: exact names
  //! only).
  TableLookup find_table(const WarehouseTable& table);
  //! POSTs `table`; returns its id.
  std::string create_table(const WarehouseTable& table);
  //! PATCHes the table `id` with the current settings of `table`. (PostHog keeps the columns it
  //! stored: a PATCH does not read the files again, refresh_schema() does.)
  void update_table(const WarehouseTable& table, const std::string& id);
  //! Makes PostHog read the columns of table `id` from its files again (the current schema);
  //! returns the number of columns PostHog now knows, if it says. Throws ApiError: a 403 is a
  //! missing scope, refresh_unsupported() an older release.
  std::optional<size_t> refresh_schema(const std::string& id);
  //! Whether the saved join events_join(table) exists, looking through every page of saved joins.
  bool events_join_exists(const WarehouseTable& table);
  //! Creates the saved join events_join(table).
  void create_events_join(const WarehouseTable& table);

 private:
  const Config& config_;
  const PostHogConfig& settings_;
  Client client_;
};

}  // namespace aesync::posthog
