// `aesync sync` with the `file` source.
//
// One pass over a JSONEachRow dump; each row is routed by its UTC day to that day's partition
// (the plan is every day present, narrowed by --date/--from/--to and --shard). A day older than
// sync.retention_days (one prune would delete, planner.h oldest_kept_day) is never written: its
// rows are counted as skipped, and the run logs one warning naming those days, their rows and
// the setting (also in SyncReport::warnings, printed after the summary). A day is opened
// when its first row is read: its lease is taken (a day another live run holds is `busy`, its
// rows not written) and its pending uploads aborted (a killed run's temporary files) before its
// data object is started (partition_export.h). Only when the whole input has been read without
// error are the partitions committed, each data object first and its manifest after, so a bad
// line anywhere leaves every previous export untouched (and every lease released). Memory: the
// buffered rows of all open days together are capped near two row groups (the fullest day is
// flushed first); a dump in timestamp order keeps one day open at a time.
#pragma once

#include <ostream>

#include "config/config.h"
#include "storage/object_store.h"
#include "sync/report.h"
#include "sync/run.h"

namespace aesync {

//! Syncs a `file` source into `store`. Throws InputError/StorageError when the run as a whole
//! fails (nothing is committed then).
SyncReport sync_file_source(const Config& config, const SyncOptions& options, ObjectStore& store,
                            std::ostream& plan_out);

}  // namespace aesync
