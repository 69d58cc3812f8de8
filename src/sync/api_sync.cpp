#include "sync/api_sync.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "schema/mapper.h"
#include "source/window_source.h"
#include "sync/lease.h"
#include "sync/manifest.h"
#include "sync/partition_commit.h"
#include "sync/partition_index.h"
#include "sync/partition_writer.h"
#include "sync/planner.h"
#include "sync/progress.h"
#include "sync/factories.h"
#include "util/log.h"
#include "util/time.h"
#include "util/version.h"

namespace aesync {

int64_t run_clock(const SyncOptions& options) {
  if (options.now_seconds) return *options.now_seconds;
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Manifest new_manifest(const Config& config, const std::string& day, int64_t now_seconds) {
  Manifest m;
  m.partition = day;
  m.columns = config.schema.columns;
  m.exported_at = format_rfc3339(now_seconds);
  m.aesync_version = version();
  return m;
}

namespace {

using Clock = std::chrono::steady_clock;

// The partition must start over from an empty file (see api_sync.h).
struct RestartPartition {
  std::string reason;
};

// Forwards a window's rows to the partition, refusing rows outside the window: a row is never
// filed under a day it does not belong to.
class WindowConsumer final : public RowConsumer {
 public:
  WindowConsumer(PartitionWriter& writer, const Window& window) : writer_(writer), window_(window) {}
  void on_row(const RawRow& row) override {
    const int64_t ts = row[0].i;
    if (ts < window_.start * 1000 || ts >= window_.end * 1000)
      throw SourceError("window " + window_.describe() + ": line " + std::to_string(row.line) + ": timestamp " +
                        format_timestamp_ms(ts) + " is outside the window");
    writer_.append(row);
  }

 private:
  PartitionWriter& writer_;
  const Window& window_;
};

class PartitionExporter {
 public:
  PartitionExporter(const Config& config, ObjectStore& store, const Mapper& mapper, WindowSource& source,
                    int64_t now_seconds, Progress& progress)
      : config_(config), store_(store), mapper_(mapper), source_(source), now_(now_seconds), progress_(progress) {
    columns_ = partition_raw_columns(mapper_, si_);
  }

  PartitionOutcome run(const PlannedDay& day) {
    const auto t0 = Clock::now();
    const std::string name = format_day(day.day);
    PartitionOutcome out{name, "ok", 0, 0, 0, 0, partition_key(config_, name, data_file_name(config_.output)), ""};
    try {
      // One run at a time per day (lease.h); holding the lease, the day's multipart uploads
      // that are still open were left by a run that died, and are aborted.
      std::string holder;
      std::unique_ptr<PartitionLease> lease =
          PartitionLease::acquire(store_, partition_key(config_, name, "_lease.json"), holder);
      if (!lease) {
        out.status = "busy";
        out.data_key.clear();
        out.error = "another aesync run is exporting this day: " + holder;
        log::warn(out.error, {{"partition", name}});
        out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        progress_.partition_done();
        return out;
      }
      if (const size_t aborted = store_.abort_pending_uploads(partition_key(config_, name, "")))
        log::warn("aborted multipart uploads left by an earlier run", {{"partition", name}, {"uploads", aborted}});
      for (int attempt = 1;; ++attempt) {
        try {
          export_once(day, name, out, *lease);
          break;
        } catch (const RestartPartition& r) {
          if (attempt >= 2) throw SourceError(r.reason);
          log::warn("restarting partition from an empty file", {{"partition", name}, {"reason", r.reason}});
        }
      }
      // Committed: a lease that cannot be deleted now (the store went away) only warns; it
      // expires, and the next run takes it over.
      lease.reset();
    } catch (const std::exception& e) {
      out.status = "failed";
      out.error = log::redact(e.what());
      log::error(out.error, {{"partition", name}});
    }
    out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    progress_.partition_done();
    log::info("partition exported", {{"partition", name}, {"rows", out.rows}, {"bytes", out.bytes},
                                     {"duration_ms", static_cast<int64_t>(out.seconds * 1000)}, {"status", out.status}});
    return out;
  }

 private:
  void export_once(const PlannedDay& day, const std::string& name, PartitionOutcome& out, PartitionLease& lease) {
    Manifest m = new_manifest(config_, name, now_);
    PartitionWriter writer(config_, mapper_, si_, store_.begin_upload(out.data_key));
    for (const Window& w : day.windows) {
      lease.renew_if_due();
      const auto wt0 = Clock::now();
      WindowConsumer consumer(writer, w);
      FetchStats got;
      try {
        got = source_.fetch(w, columns_, consumer);
      } catch (const SourceError& e) {
        if (e.rows_delivered > 0) throw RestartPartition{e.what()};
        throw;
      }
      WindowRecord rec{w.start, w.end, got.rows, got.sample_weight, false};
      uint64_t source_rows = got.rows;
      if (config_.source.verify) {
        const WindowCounts want = source_.count(w);
        if (want.rows != got.rows || want.sample_weight != got.sample_weight)
          throw RestartPartition{"window " + w.describe() + ": verification failed: the source counts " +
                                 std::to_string(want.rows) + " rows (sum(_sample_interval) = " +
                                 std::to_string(want.sample_weight) + "), received " + std::to_string(got.rows) +
                                 " rows (" + std::to_string(got.sample_weight) + ")"};
        rec.verified = true;
        source_rows = want.rows;
      }
      m.windows.push_back(rec);
      progress_.add_rows(static_cast<int64_t>(got.rows));
      m.source_rows += source_rows;
      log::debug("window fetched",
                 {{"partition", name}, {"window", w.describe()}, {"rows", got.rows},
                  {"duration_ms", static_cast<int64_t>(std::chrono::duration<double, std::milli>(Clock::now() - wt0).count())}});
    }
    m.verified = config_.source.verify;
    const std::string manifest_key = partition_key(config_, name, "_manifest.json");
    lease.renew_if_due();  // still ours before anything is committed
    if (m.source_rows == 0) {
      // An empty day: no data object (an old one is deleted), a manifest that says rows: 0.
      commit_empty_partition(store_, manifest_key, out.data_key, manifest_to_json(m));
      out.data_key.clear();
      return;
    }
    PartitionFile file = commit_partition(store_, manifest_key, writer, [&](const PartitionFile& f) {
      m.data_key = out.data_key;
      m.rows = f.rows;
      m.sample_weight = f.sample_weight;
      m.bytes = f.bytes;
      m.sha256 = f.sha256;
      return manifest_to_json(m);
    });
    out.rows = file.rows;
    out.sample_weight = file.sample_weight;
    out.bytes = file.bytes;
  }

  const Config& config_;
  ObjectStore& store_;
  const Mapper& mapper_;
  WindowSource& source_;
  int64_t now_;
  Progress& progress_;
  std::vector<RawColumn> columns_;
  size_t si_ = 0;
};

void print_plan(const Config& config, const std::vector<PlannedDay>& plan, ObjectStore& store, std::ostream& out) {
  Mapper mapper(config.schema);
  size_t si = 0;
  const std::vector<RawColumn> columns = partition_raw_columns(mapper, si);
  std::unique_ptr<WindowSource> source = open_window_source(config.source);
  out << "plan: " << plan.size() << " partition(s) from " << source->describe() << "\n";
  for (const PlannedDay& d : plan) {
    const std::string name = format_day(d.day);
    if (d.skip) {
      out << name << "  skip: " << d.reason << "\n";
      continue;
    }
    out << name << "  (" << d.reason << ")  " << d.windows.size() << " window(s)\n";
    for (const Window& w : d.windows) out << "  " << w.describe() << "  " << source->fetch_sql(w, columns) << "\n";
    out << "  write " << store.describe(partition_key(config, name, data_file_name(config.output))) << "\n";
    out << "  write " << store.describe(partition_key(config, name, "_manifest.json")) << "\n";
    out << "  (a day with no rows deletes the data object instead and records rows: 0)\n";
  }
}

}  // namespace

SyncReport sync_remote_source(const Config& config, const SyncOptions& options, ObjectStore& store,
                              std::ostream& plan_out) {
  const int64_t now = run_clock(options);
  PlanRequest req;
  req.now_seconds = now;
  req.lookback_days = config.sync.lookback_days;
  req.retention_days = config.sync.retention_days;
  req.window_seconds = config.source.window_seconds;
  req.settle_seconds = config.source.settle_seconds;
  req.from_day = options.from_day;
  req.to_day = options.to_day;
  req.force = options.force;
  req.shard_index = options.shard_index;
  req.shard_count = options.shard_count;
  // Manifests are read only for a backfill, which skips days already verified.
  const bool backfill = options.from_day.has_value();
  for (const PartitionEntry& e : list_partitions(store, config.destination.prefix, backfill && !options.force)) {
    const bool has_manifest = std::any_of(e.objects.begin(), e.objects.end(), [](const ObjectInfo& o) {
      return o.key.size() >= 14 && o.key.compare(o.key.size() - 14, 14, "_manifest.json") == 0;
    });
    if (has_manifest) req.exported.push_back({e.day, e.manifest && e.manifest->verified, e.manifest ? e.manifest->rows : 0});
  }
  const std::vector<PlannedDay> plan = plan_days(req);

  SyncReport report;
  if (options.dry_run) {
    print_plan(config, plan, store, plan_out);
    for (const PlannedDay& d : plan)
      report.partitions.push_back({format_day(d.day), d.skip ? "skipped" : "planned", 0, 0, 0, 0, "", ""});
    return report;
  }

  std::vector<const PlannedDay*> pending;
  for (const PlannedDay& d : plan) {
    if (d.skip) {
      log::info("partition skipped", {{"partition", format_day(d.day)}, {"reason", d.reason}});
      report.partitions.push_back({format_day(d.day), "skipped", 0, 0, 0, 0, "", d.reason});
    } else {
      pending.push_back(&d);
    }
  }
  // Multipart uploads a killed run left on any day (not only this plan's) are aborted; a day a
  // live run holds is left alone (lease.h).
  if (!pending.empty()) abort_abandoned_uploads(store, config.destination.prefix);
  const Mapper mapper(config.schema);
  std::vector<PartitionOutcome> outcomes(pending.size());
  std::atomic<size_t> next{0};
  const size_t threads = std::min<size_t>(pending.size(), static_cast<size_t>(std::max(1, config.sync.concurrency)));
  // One source (one connection) per worker; opened here so that a worker thread cannot throw.
  std::vector<std::unique_ptr<WindowSource>> sources;
  for (size_t t = 0; t < threads; ++t) sources.push_back(open_window_source(config.source));
  Progress progress(options.show_progress && pending.size() > 1);
  progress.start(static_cast<int64_t>(pending.size()));
  auto worker = [&](WindowSource& source) {
    PartitionExporter exporter(config, store, mapper, source, now, progress);
    for (size_t i = next++; i < pending.size(); i = next++) outcomes[i] = exporter.run(*pending[i]);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker, std::ref(*sources[t]));
  if (threads > 0) worker(*sources[0]);
  for (std::thread& t : pool) t.join();
  progress.finish();
  for (PartitionOutcome& o : outcomes) report.partitions.push_back(std::move(o));
  std::sort(report.partitions.begin(), report.partitions.end(),
            [](const PartitionOutcome& a, const PartitionOutcome& b) { return a.day < b.day; });
  return report;
}

}  // namespace aesync
