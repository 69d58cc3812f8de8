// `aesync sync` with a window source (analytics-engine, clickhouse): plan, fetch window by
// window, verify, write, replace (docs/sync.md). This is the window sync; the file source has its own
// (file_sync.h), both exporting each day through the same step (partition_export.h).
//
// Each planned day is one partition, exported by one of `[sync] concurrency` workers, each with
// its own source connection. A partition streams its windows through the mapper into one
// Parquet upload; with `verify`, every window's count() and sum(_sample_interval) must equal
// what was received. A window that failed after delivering rows, or a verification mismatch,
// restarts the partition once from an empty file (rows already written cannot be taken back
// from a stream); a second failure fails the partition. Replace, never mix: the data object is
// committed whole, then the manifest; a failed partition leaves the previous export untouched;
// a day with no rows deletes the old data object and records `rows: 0`.
#pragma once

#include <functional>
#include <memory>
#include <ostream>

#include "config/config.h"
#include "source/window_source.h"
#include "storage/object_store.h"
#include "sync/report.h"
#include "sync/run.h"

namespace aesync {

//! Opens one window source (one connection) per worker; the default is open_window_source.
using OpenWindowSource = std::function<std::unique_ptr<WindowSource>()>;

//! Throws UsageError for an impossible plan; partition failures are reported, not thrown.
SyncReport sync_window_source(const Config& config, const SyncOptions& options, ObjectStore& store,
                              std::ostream& plan_out, const OpenWindowSource& open_source = {});

}  // namespace aesync
