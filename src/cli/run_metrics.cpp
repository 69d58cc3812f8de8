#include "cli/run_metrics.h"

#include <chrono>
#include <exception>
#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/version.h"

namespace aesync::cli {

void declare_metrics() {
  using metrics::Type;
  metrics::Registry& r = metrics::global();
  r.declare("aesync_build_info", Type::Gauge, "Always 1; the labels name the aesync version and its git revision.");
  r.set("aesync_build_info", 1, metrics::label("version", version()) + "," + metrics::label("revision", build_rev()));
  r.declare("aesync_rows_exported_total", Type::Counter, "Rows written to committed partitions.");
  r.declare("aesync_uploaded_bytes_total", Type::Counter, "Bytes of committed data objects.");
  r.declare("aesync_partition_duration_seconds", Type::Histogram, "Time to export one partition (day).",
            {1, 5, 15, 60, 300, 900, 3600});
  r.declare("aesync_source_requests_total", Type::Counter, "Source API requests by HTTP status (error: no response).");
  r.declare("aesync_read_sampled_windows_total", Type::Counter,
            "Windows kept read-sampled by Analytics Engine (resolution below 1; a later run retries).");
  r.declare("aesync_retries_total", Type::Counter, "Requests retried, by target (source, storage, posthog).");
  r.declare("aesync_source_budget_wait_seconds_total", Type::Counter,
            "Seconds source requests waited for the request budget (source.max_requests_per_minute).");
  r.declare("aesync_old_schema_days", Type::Gauge,
            "Days of a table exported with another schema than its config's (re-export: see aesync status).");
  r.declare("aesync_last_success_timestamp_seconds", Type::Gauge, "Unix time at which the last successful run ended.");
  r.declare("aesync_runs_total", Type::Counter, "Runs (sync then prune) completed, failed ones included.");
  r.declare("aesync_runs_failed_total", Type::Counter, "Runs that threw or had a failed partition.");
  r.declare("aesync_partitions_failed_total", Type::Counter, "Partitions that failed.");
  r.declare("aesync_partitions_pruned_total", Type::Counter, "Partitions (days) deleted by prune (retention_days).");
}

void record_sync_report(const SyncReport& report) {
  uint64_t rows = 0, bytes = 0, failed = 0;
  metrics::global().atomically([&](metrics::Registry& r) {
    for (const PartitionOutcome& p : report.partitions) {
      switch (p.status) {
        case PartitionStatus::Ok:
          rows += p.rows;
          bytes += p.bytes;
          r.observe("aesync_partition_duration_seconds", p.seconds);
          break;
        case PartitionStatus::Failed:
          ++failed;
          r.observe("aesync_partition_duration_seconds", p.seconds);
          break;
        case PartitionStatus::Busy:
        case PartitionStatus::Skipped:
        case PartitionStatus::Planned: break;
      }
    }
    r.add("aesync_rows_exported_total", static_cast<double>(rows));
    r.add("aesync_uploaded_bytes_total", static_cast<double>(bytes));
    r.add("aesync_partitions_failed_total", static_cast<double>(failed));
  });
}

std::pair<std::string, int> parse_metrics_addr(const std::string& addr) {
  const size_t colon = addr.rfind(':');
  auto bad = [&] { return UsageError("--metrics-addr: \"" + addr + "\" is not HOST:PORT (or :PORT)"); };
  if (colon == std::string::npos || colon + 1 == addr.size()) throw bad();
  std::string host = addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) {
    if (colon != 0) throw bad();  // "[]:9464"
    host = "0.0.0.0";
  }
  int port = 0;
  for (char c : addr.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) throw bad();
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) throw bad();
  return {host, port};
}

void carry_last_success(const std::string& metrics_file) {
  std::ifstream in(metrics_file, std::ios::binary);
  if (!in) return;
  std::ostringstream text;
  text << in.rdbuf();
  if (auto last = metrics::sample_value(text.str(), "aesync_last_success_timestamp_seconds"); last && *last > 0)
    metrics::global().set("aesync_last_success_timestamp_seconds", *last);
}

int with_metrics_file(const std::string& metrics_file, const std::function<int()>& command) {
  if (metrics_file.empty()) return command();
  declare_metrics();
  carry_last_success(metrics_file);
  int code = 1;
  std::exception_ptr thrown;
  try {
    code = command();
  } catch (...) {
    thrown = std::current_exception();
  }
  metrics::global().atomically([&](metrics::Registry& r) {
    r.add("aesync_runs_total", 1);
    if (thrown || code != 0) {
      r.add("aesync_runs_failed_total", 1);
    } else {
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      r.set("aesync_last_success_timestamp_seconds",
            static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(now).count()));
    }
  });
  try {
    metrics::global().write_file(metrics_file);
  } catch (const Error& e) {
    // The command's own error is the one to report; the file's is then a warning.
    if (thrown) log::warn(e.what());
    if (!thrown) throw;
  }
  if (thrown) std::rethrow_exception(thrown);
  return code;
}

}  // namespace aesync::cli
