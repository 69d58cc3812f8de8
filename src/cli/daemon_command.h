// `aesync daemon [--every DUR] [--metrics-addr HOST:PORT] [--metrics-file PATH]` (docs/daemon.md): a
// sync at start and at every multiple of `every` since 00:00 UTC, then prune; a failed run is
// retried at the next tick and never stops the daemon; SIGTERM/SIGINT abort the upload in flight
// and exit 0 within 10 s. With --metrics-addr, `/` (the status page: cli/status_page.h),
// /metrics (Prometheus text) and /healthz are served; with --metrics-file, the metrics are
// written there after every run (cli/run_metrics.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.h"

namespace aesync::cli {

//! `every_seconds` overrides [sync] every when set; `metrics_addr` empty = no HTTP server;
//! `metrics_file` empty = no file.
int run_daemon(const Config& config, std::optional<int64_t> every_seconds, const std::string& metrics_addr,
               const std::string& metrics_file = "");

}  // namespace aesync::cli
