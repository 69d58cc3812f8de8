// `aesync sync` with the `file` source, and `aesync convert`.
//
// File sync: one pass over a JSONEachRow dump; each row is routed by its UTC day to that
// day's PartitionWriter (the plan is every day present, narrowed by --date/--from/--to and
// --shard). Only when the whole input has been read without error are the partitions
// committed, each data object first and its manifest after, so a bad line anywhere leaves
// every previous export untouched. Memory: the buffered rows of all open days together are
// capped near two row groups (the fullest day is flushed first); a dump in timestamp order
// keeps one day open at a time.
//
// Convert: the same mapping into one output file or stdout, rows in input order.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"
#include "storage/object_store.h"

namespace aesync {

struct SyncOptions {
  std::optional<int64_t> from_day, to_day;  //!< inclusive, days since the epoch
  bool force = false;
  bool dry_run = false;
  int shard_index = 0, shard_count = 1;  //!< --shard K/N
  std::optional<int64_t> now_seconds;    //!< --now
  bool show_progress = false;            //!< a progress bar on stderr (a TTY without --no-progress)
};

struct PartitionOutcome {
  std::string day;
  std::string status;  //!< "ok", "failed", "planned" (dry run)
  uint64_t rows = 0;
  int64_t sample_weight = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  std::string data_key;
  std::string error;
};

struct SyncReport {
  std::vector<PartitionOutcome> partitions;
  uint64_t rows_read = 0;
  uint64_t rows_skipped = 0;  //!< outside the requested days or shard
  uint64_t invalid_utf8_replaced = 0;
  bool failed() const;
};

//! Syncs a `file` source into `store`. Throws InputError/StorageError when the run as a whole
//! fails (nothing is committed then).
SyncReport sync_file_source(const Config& config, const SyncOptions& options, ObjectStore& store, std::ostream& plan_out);

struct ConvertResult {
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t invalid_utf8_replaced = 0;
};

//! Maps `input` ("-" = stdin) into `output` ("-" = stdout) as config.output describes.
//! A file output is written under a temporary name and renamed when complete.
ConvertResult convert_file(const Config& config, const std::string& input, const std::string& output);

//! The key of a partition's object: "<prefix>/<day>/<name>".
std::string partition_key(const Config& config, const std::string& day, const std::string& name);

//! The end-of-run table: day, rows, bytes, seconds, status.
void print_summary(const SyncReport& report, std::ostream& out);

}  // namespace aesync
