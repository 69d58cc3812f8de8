// What a sync run reports: one outcome per partition (day), and the end-of-run summary printed
// from them, as a table (print_summary) or as one JSON object (print_summary_json, `sync
// --json`). A skipped day shows the rows its manifest holds; the totals count only the days the
// run wrote (or, in a dry run, planned): a skipped day's rows are already in the destination. A partition's status is
// an enum, switched on exhaustively wherever it decides something (the exit code, the daemon's metrics and health); its
// text is to_string's.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace aesync {

enum class PartitionStatus {
  Ok,       //!< exported and committed
  Busy,     //!< another live run holds the day's lease; nothing written
  Skipped,  //!< already exported and verified (a backfill without --force); rows: its manifest's
  Failed,   //!< not exported; the previous export is untouched
  Planned,  //!< a dry run's plan
  //! not exported: the run was interrupted (SIGINT/SIGTERM) before the day was committed; the
  //! previous export is untouched. Not a failure: nothing is wrong with the day.
  Cancelled,
};

//! "ok", "busy", "skipped", "failed", "planned", "cancelled".
std::string_view to_string(PartitionStatus status);

struct PartitionOutcome {
  std::string day;
  std::string table;  //!< the table's name (config.h TableConfig)
  PartitionStatus status = PartitionStatus::Ok;
  uint64_t rows = 0;
  int64_t sample_weight = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  std::string data_key;
  std::string error;  //!< why it failed or is busy or skipped (redacted)
  //! What the day holds that is not exact although it is ok (read-sampled windows); printed
  //! under the day like an error.
  std::string warning;
  bool read_sampled = false;  //!< some window was kept read-sampled (manifest read_sampled)
};

struct SyncReport {
  std::vector<PartitionOutcome> partitions;
  uint64_t rows_read = 0;
  uint64_t rows_skipped = 0;  //!< outside the requested days or shard, or older than retention (file source)
  uint64_t invalid_utf8_replaced = 0;
  //! What the run found that deserves attention beyond its days (a table whose old days have a
  //! schema PostHog cannot read with the new ones); printed after the summary.
  std::vector<std::string> warnings;
  //! Whether any partition failed (the run's exit code): busy and skipped days are not failures.
  bool failed() const;
};

//! The end-of-run table: day, rows, bytes, seconds, status; the table first when the run wrote
//! more than one; a total line, then the run's warnings.
void print_summary(const SyncReport& report, std::ostream& out);

//! The same summary as one JSON object and a newline:
//! {"partitions": [{"day", "table", "status", "rows", "sample_weight", "bytes", "seconds",
//! "data_key" (null when none), "error" (null when none), "warning" (null when none),
//! "read_sampled"}...], "totals": {"partitions", "rows", "bytes", "ok", "busy", "skipped",
//! "failed", "planned", "rows_read", "rows_skipped", "invalid_utf8_replaced"}, "warnings":
//! [...], "failed": bool}. Texts are already redacted (PartitionOutcome::error).
void print_summary_json(const SyncReport& report, std::ostream& out);

//! A dry run's first line: "plan: <n> partition(s) from <source>".
void print_plan_header(std::ostream& out, size_t partitions, const std::string& source);

}  // namespace aesync
