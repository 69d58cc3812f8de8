#include "cli/daemon_command.h"

#include <httplib.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cli/run_metrics.h"
#include "cli/status_page.h"
#include "sync/factories.h"
#include "sync/file_sync.h"
#include "sync/partition_index.h"
#include "sync/window_sync.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/time.h"

namespace aesync::cli {

namespace {

constexpr int64_t kDaySeconds = 86400;

// What /healthz answers: ok until a run fails, then the reason of the last failed run.
class Health {
 public:
  void ok() {
    std::lock_guard lock(mutex_);
    failure_.clear();
  }
  void failed(std::string reason) {
    std::lock_guard lock(mutex_);
    failure_ = reason.empty() ? "unknown error" : std::move(reason);
  }
  //! Empty while healthy.
  std::string failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
  }

 private:
  mutable std::mutex mutex_;
  std::string failure_;
};

extern "C" void on_stop_signal(int) { cancel::request(); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  // A peer closing an HTTP connection (a scraper, the object store) must not kill the daemon.
  std::signal(SIGPIPE, SIG_IGN);
}

// The status page's view of the destination is listed again after every run, or when older
// than this (a page left open reloads every minute: one listing, not one per reload and tab).
constexpr int64_t kPageListingSeconds = 60;

// The HTTP endpoint: its own thread; stopped and joined on destruction.
class MetricsServer {
 public:
  MetricsServer(const std::string& addr, const Health& health, const Config& config, const RunHistory& history)
      : config_(config), history_(history) {
    const auto [host, port] = parse_metrics_addr(addr);
    server_.Get("/", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(status_page(), "text/html; charset=utf-8");
    });
    server_.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics::global().render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    server_.Get("/healthz", [&health](const httplib::Request&, httplib::Response& res) {
      const std::string failure = health.failure();
      if (failure.empty()) {
        res.set_content("ok\n", "text/plain; charset=utf-8");
      } else {
        res.status = 503;
        res.set_content(log::redact("last run failed: " + failure) + "\n", "text/plain; charset=utf-8");
      }
    });
    // httplib's default also sets SO_REUSEPORT, which would let a second daemon share the port
    // (and half the scrapes); SO_REUSEADDR alone still allows a quick restart.
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    if (!server_.bind_to_port(host, port))
      throw Error("--metrics-addr " + addr + ": cannot listen there (address in use, or not a local address)");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    log::info("serving the status page and metrics", {{"addr", addr}});
  }
  ~MetricsServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

 private:
  std::string status_page() {
    StatusPage page;
    page.now_seconds = now_seconds();
    page.retention_days = config_.sync.retention_days;
    page.runs = history_.newest_first();
    std::lock_guard lock(listing_mutex_);
    const int64_t runs = history_.count();
    if (!listed_ || runs != listed_runs_ || page.now_seconds - listed_at_ >= kPageListingSeconds) {
      try {
        std::unique_ptr<ObjectStore> store = open_destination(config_);
        listing_ = read_table_days(config_, *store);
      } catch (const std::exception& e) {
        listing_.clear();
        for (const TableConfig& table : config_.tables)
          listing_.push_back({table.name, table.dataset, table.prefix + "/", {}, {}, log::redact(e.what())});
      }
      listed_ = true;
      listed_runs_ = runs;
      listed_at_ = page.now_seconds;
    }
    page.tables = listing_;
    return render_status_page(page);
  }

  const Config& config_;
  const RunHistory& history_;
  std::mutex listing_mutex_;
  bool listed_ = false;
  int64_t listed_runs_ = 0;
  int64_t listed_at_ = 0;
  std::vector<TableDays> listing_;
  httplib::Server server_;
  std::thread thread_;
};

// After each run: a file that cannot be written is logged, and the daemon goes on.
void write_daemon_metrics_file(const std::string& path) {
  try {
    metrics::global().write_file(path);
  } catch (const Error& e) {
    log::error(e.what());
  }
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

//! Milliseconds from `now` (ms since the epoch) to the next multiple of `every` seconds since
//! 00:00 UTC of its day; a period that does not divide the day restarts at the next midnight.
int64_t ms_until_next_tick(int64_t now, int64_t every) {
  const int64_t day_start = now - now % (kDaySeconds * 1000);
  const int64_t since = now - day_start;
  int64_t next = (since / (every * 1000) + 1) * every * 1000;
  if (next > kDaySeconds * 1000) next = kDaySeconds * 1000;
  return next - since;
}

// One run: sync (all planned days, as `aesync sync` without dates), then prune. Updates the
// metrics and the health. Never throws.
void run_once(const Config& config, int64_t run, Health& health, RunHistory& history) {
  metrics::Registry& m = metrics::global();
  const auto t0 = std::chrono::steady_clock::now();
  RunRecord record;
  record.run = run;
  record.started_at = now_seconds();
  log::info("daemon run start", {{"run", run}});
  std::string failure;
  uint64_t rows = 0, bytes = 0;
  int64_t partitions = 0, failed = 0, pruned = 0;
  std::vector<double> durations;
  try {
    std::unique_ptr<ObjectStore> store = open_destination(config);
    const SyncOptions options;
    const SyncReport report = config.source.type == SourceType::File
                                  ? sync_file_source(config, options, *store, std::cout)
                                  : sync_window_source(config, options, *store, std::cout);
    for (const PartitionOutcome& p : report.partitions) {
      ++partitions;
      durations.push_back(p.seconds);
      switch (p.status) {
        case PartitionStatus::Ok:
          rows += p.rows;
          bytes += p.bytes;
          break;
        // A scheduled run plans no skipped day; a busy day was not exported by this run either,
        // so the run is not healthy.
        case PartitionStatus::Busy:
        case PartitionStatus::Skipped:
        case PartitionStatus::Failed:
        case PartitionStatus::Planned:
          ++failed;
          if (failure.empty()) failure = p.day + ": " + p.error;
          record.not_exported.push_back(p);
          break;
      }
    }
    print_summary(report, std::cout);
    std::cout.flush();
    if (failed > 0) failure = std::to_string(failed) + " partition(s) failed; first " + failure;
    if (!cancel::requested()) {
      for (const TableConfig& table : config.tables)
        pruned += static_cast<int64_t>(
            prune_partitions(*store, table.prefix, config.sync.retention_days, run_clock(options), false).days.size());
    }
  } catch (const std::exception& e) {
    failure = e.what();
  }
  const int64_t duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  record.duration_ms = duration_ms;
  record.partitions = partitions;
  record.rows = rows;
  record.bytes = bytes;
  record.error = log::redact(failure);
  record.outcome = cancel::requested() ? "cancelled" : failure.empty() ? "ok" : "failed";
  history.add(record);
  if (cancel::requested()) {
    log::info("daemon run cancelled", {{"run", run}, {"duration_ms", duration_ms}});
    return;
  }
  // One update, so that a scrape never sees a run's rows without the run (or the reverse).
  m.atomically([&](metrics::Registry& r) {
    for (double d : durations) r.observe("aesync_partition_duration_seconds", d);
    r.add("aesync_rows_exported_total", static_cast<double>(rows));
    r.add("aesync_uploaded_bytes_total", static_cast<double>(bytes));
    r.add("aesync_partitions_pruned_total", static_cast<double>(pruned));
    r.add("aesync_partitions_failed_total", static_cast<double>(failed));
    r.add("aesync_runs_total", 1);
    // The health too: whoever sees the run counted sees its health.
    if (failure.empty()) {
      r.set("aesync_last_success_timestamp_seconds", static_cast<double>(now_ms() / 1000));
      health.ok();
    } else {
      r.add("aesync_runs_failed_total", 1);
      health.failed(failure);
    }
  });
  if (failure.empty()) {
    log::info("daemon run end", {{"run", run},
                                 {"status", "ok"},
                                 {"partitions", partitions},
                                 {"rows", rows},
                                 {"bytes", bytes},
                                 {"pruned_partitions", pruned},
                                 {"duration_ms", duration_ms}});
  } else {
    log::error("daemon run end", {{"run", run},
                                  {"status", "failed"},
                                  {"partitions", partitions},
                                  {"failed_partitions", failed},
                                  {"rows", rows},
                                  {"bytes", bytes},
                                  {"error", failure},
                                  {"duration_ms", duration_ms}});
  }
}

}  // namespace

int run_daemon(const Config& config, std::optional<int64_t> every_seconds, const std::string& metrics_addr,
               const std::string& metrics_file) {
  if (!config.has_source) throw ConfigError(config.file + ": the daemon needs a [source] table");
  const int64_t every = every_seconds.value_or(config.sync.every_seconds);
  if (every <= 0) throw UsageError("--every must be positive");
  declare_metrics();
  if (!metrics_file.empty()) carry_last_success(metrics_file);
  install_signal_handlers();
  Health health;
  RunHistory history;
  std::unique_ptr<MetricsServer> server;
  if (!metrics_addr.empty()) server = std::make_unique<MetricsServer>(metrics_addr, health, config, history);
  log::info("daemon started", {{"every_s", every}, {"source", to_string(config.source.type)}});

  for (int64_t run = 1; !cancel::requested(); ++run) {
    run_once(config, run, health, history);
    if (!metrics_file.empty()) write_daemon_metrics_file(metrics_file);
    if (cancel::requested()) break;
    const int64_t wait = ms_until_next_tick(now_ms(), every);
    log::debug("daemon waiting", {{"next_run_in_ms", wait}});
    if (!cancel::sleep_for(std::chrono::milliseconds(wait))) break;
  }
  log::info("daemon stopping: signal received");
  return 0;
}

}  // namespace aesync::cli
