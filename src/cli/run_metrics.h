// The metrics of a run, for the daemon's /metrics and for `--metrics-file PATH` (docs/daemon.md,
// "Metrics"): which metrics exist (declare_metrics, the one list), what a sync report adds to
// them, where the HTTP endpoint listens, and the file a one-shot command (`sync`, `prune`) or
// the daemon writes for node_exporter's textfile collector.
//
// A one-shot command's file holds that run's numbers (its counters start at 0), written at its
// end whatever the outcome, atomically (metrics::Registry::write_file). A failed run keeps the
// previous file's `aesync_last_success_timestamp_seconds`, so that an alert on the age of the
// last success keeps working across failed cron runs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "sync/report.h"

namespace aesync::cli {

//! Declares every aesync metric in metrics::global() and sets `aesync_build_info{version,
//! revision}` to 1. Idempotent.
void declare_metrics();

//! Adds a sync run's partitions: rows and bytes of the committed ones, each one's duration, the
//! failed ones. Busy and skipped days are not failures here (a one-shot sync exits 0 with them).
void record_sync_report(const SyncReport& report);

//! `--metrics-addr`: "HOST:PORT", "[::1]:PORT", or ":PORT" (empty host: every IPv4 interface,
//! 0.0.0.0, as Prometheus exporters read `:9100`). Throws UsageError naming the flag.
std::pair<std::string, int> parse_metrics_addr(const std::string& addr);

//! The previous file's `aesync_last_success_timestamp_seconds` copied into the registry (when
//! the file exists and holds it), so that a run that fails does not reset it.
void carry_last_success(const std::string& metrics_file);

//! Runs `command` (a one-shot command: its exit code) and, when `metrics_file` is set, writes the
//! run's metrics there at its end, also when it throws (the exception is then rethrown): one run,
//! failed when it threw or exited non-zero, and the last success's time. Without a file, just
//! runs `command`.
int with_metrics_file(const std::string& metrics_file, const std::function<int()>& command);

}  // namespace aesync::cli
