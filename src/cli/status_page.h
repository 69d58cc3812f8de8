// The daemon's status page, `/` (docs/daemon.md, "The status page"): one self-contained HTML
// document (inline CSS and SVG, no script, nothing fetched from elsewhere) that reloads itself
// (`<meta http-equiv="refresh">`). It shows the last runs (start, duration, outcome, partitions,
// rows, bytes), the failures of those runs with their messages, and per table a chart of rows
// per day over the retention period (one bar per exported day) and the days exported (rows,
// bytes, exported at, verified / read-sampled / not verified, old schema).
//
// Every text that comes from outside the binary (table names and prefixes, manifests' fields,
// error messages, the destination's name) goes through html_escape: the page cannot be made to
// run a script or change its markup by a crafted error message or manifest.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "storage/object_store.h"
#include "sync/partition_index.h"
#include "sync/report.h"
#include "sync/schema_drift.h"

namespace aesync::cli {

//! One daemon run as the page shows it.
struct RunRecord {
  int64_t run = 0;          //!< 1 for the first run of the process
  int64_t started_at = 0;   //!< unix seconds
  int64_t duration_ms = 0;  //!< wall time, sync and prune
  std::string outcome;      //!< "ok", "failed" or "cancelled"
  int64_t partitions = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  std::string error;  //!< why the run failed ("" when ok), redacted
  //! Its partitions that were not exported (failed, busy), each with its own message.
  std::vector<PartitionOutcome> not_exported;
};

//! The last runs of the daemon, newest first; shared by the run loop and the HTTP threads.
class RunHistory {
 public:
  static constexpr size_t kKept = 20;
  void add(RunRecord run);
  std::vector<RunRecord> newest_first() const;
  //! Runs added so far (also those no longer kept).
  int64_t count() const;

 private:
  mutable std::mutex mutex_;
  std::vector<RunRecord> runs_;  // oldest first, at most kKept
  int64_t count_ = 0;
};

//! One table's days in the destination.
struct TableDays {
  std::string name;
  std::string dataset;   //!< "" for a file source
  std::string location;  //!< the destination's name for its prefix (ObjectStore::describe)
  std::vector<PartitionEntry> parts;
  SchemaDrift drift;
  std::string error;  //!< the listing failed: why (then `parts` is empty)
};

struct StatusPage {
  int64_t now_seconds = 0;  //!< the page's clock: the chart ends at its UTC day
  int retention_days = 90;
  int refresh_seconds = 60;
  std::vector<TableDays> tables;
  std::vector<RunRecord> runs;  //!< newest first
};

//! Lists every table's days (manifests read) from `store`; a table whose listing fails carries
//! the error instead of throwing, so the page still shows the runs.
std::vector<TableDays> read_table_days(const Config& config, ObjectStore& store);

//! The HTML document.
std::string render_status_page(const StatusPage& page);

//! `text` with `&`, `<`, `>`, `"` and `'` replaced by their character references.
std::string html_escape(std::string_view text);

}  // namespace aesync::cli
