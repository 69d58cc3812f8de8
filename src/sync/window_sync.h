// `aesync sync` with a window source (analytics-engine, clickhouse): plan, fetch window by
// window, verify, write, replace (docs/sync.md). This is the window sync; the file source has its own
// (file_sync.h), both exporting each day through the same step (partition_export.h).
//
// The config's tables are read dataset by dataset (sync/table_route.h): each planned day of a
// dataset is read once, window by window, by one of `[sync] concurrency` workers (each with its
// own source connection per dataset), and every window's rows, once checked, go to each table
// that takes them; each table's day is its own partition. With `verify`, every window's count()
// and sum(_sample_interval) must equal what was received; the window's rows are held (raw, once
// for all tables) until they do, so a mismatching window can be split and read again. For a read
// feeding one table by a run's only worker, an accepted window's rows are written on a thread of
// their own while the next window is read and checked (two windows held at most), in window
// order; a failure to write one is the day's failure, reported before any later read's. A
// window that failed after delivering rows is read again once; a read failing twice restarts the
// day from empty files once (rows already written cannot be taken back from a stream), and a
// second failure fails the day's partitions. Replace, never mix: each data object is committed whole, then its
// manifest; a failed partition leaves the previous export untouched; a day with no rows for a table deletes its old
// data object and records `rows: 0`.
//
// Which days: each table plans its own (planner.h, from its own manifests: a backfill skips a
// table's verified days unless their schema is old), and a dataset's day is read when at least
// one of its tables needs it.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "config/config.h"
#include "source/window_source.h"
#include "storage/object_store.h"
#include "sync/report.h"
#include "sync/run.h"

namespace aesync {

//! Opens one window source (one connection) reading `dataset`, per worker and dataset; the
//! default is open_window_source(source_for_dataset(config.source, dataset)).
using OpenWindowSource = std::function<std::unique_ptr<WindowSource>(const std::string& dataset)>;

//! Throws UsageError for an impossible plan; partition failures are reported, not thrown.
SyncReport sync_window_source(const Config& config, const SyncOptions& options, ObjectStore& store,
                              std::ostream& plan_out, const OpenWindowSource& open_source = {});

}  // namespace aesync
