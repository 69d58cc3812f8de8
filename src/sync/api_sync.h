// `aesync sync` with a remote source (analytics-engine, clickhouse): plan, fetch window by
// window, verify, write, replace (SPEC §4).
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

#include <ostream>

#include "config/config.h"
#include "storage/object_store.h"
#include "sync/file_sync.h"
#include "sync/manifest.h"

namespace aesync {

//! Throws UsageError for an impossible plan; partition failures are reported, not thrown.
SyncReport sync_remote_source(const Config& config, const SyncOptions& options, ObjectStore& store,
                              std::ostream& plan_out);

//! The manifest fields every partition shares (partition, columns, exported_at, version).
Manifest new_manifest(const Config& config, const std::string& day, int64_t now_seconds);

//! Seconds since the epoch: --now when given, else the clock.
int64_t run_clock(const SyncOptions& options);

}  // namespace aesync
