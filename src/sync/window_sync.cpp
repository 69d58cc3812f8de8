#include "sync/window_sync.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "schema/mapper.h"
#include "sync/factories.h"
#include "sync/layout.h"
#include "sync/lease.h"
#include "sync/manifest.h"
#include "sync/partition_export.h"
#include "sync/partition_index.h"
#include "sync/partition_writer.h"
#include "sync/planner.h"
#include "sync/progress.h"
#include "util/log.h"
#include "util/time.h"

namespace aesync {

namespace {

using Clock = std::chrono::steady_clock;

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

// Writes one planned day's windows into its partition (partition_export.h's WriteDay).
class DayWindows {
 public:
  DayWindows(const Config& config, WindowSource& source, const std::vector<RawColumn>& columns, Progress& progress)
      : config_(config), source_(source), columns_(columns), progress_(progress) {}

  //! Why the day must start over from an empty file, or nullopt when every window is written.
  std::optional<std::string> write(const PlannedDay& day, PartitionExport& out) {
    Manifest& m = out.manifest();
    for (const Window& w : day.windows) {
      out.renew_lease();
      const auto wt0 = Clock::now();
      WindowConsumer consumer(out.writer(), w);
      FetchStats got;
      try {
        got = source_.fetch(w, columns_, consumer);
      } catch (const SourceError& e) {
        if (e.rows_delivered > 0) return std::string(e.what());
        throw;
      }
      WindowRecord rec{w.start, w.end, got.rows, got.sample_weight, false};
      uint64_t source_rows = got.rows;
      if (config_.source.verify) {
        const WindowCounts want = source_.count(w);
        if (want.rows != got.rows || want.sample_weight != got.sample_weight)
          return "window " + w.describe() + ": verification failed: the source counts " + std::to_string(want.rows) +
                 " rows (sum(_sample_interval) = " + std::to_string(want.sample_weight) + "), received " +
                 std::to_string(got.rows) + " rows (" + std::to_string(got.sample_weight) + ")";
        rec.verified = true;
        source_rows = want.rows;
      }
      m.windows.push_back(rec);
      progress_.add_rows(static_cast<int64_t>(got.rows));
      m.source_rows += source_rows;
      log::debug("window fetched",
                 {{"partition", out.day_name()},
                  {"window", w.describe()},
                  {"rows", got.rows},
                  {"duration_ms",
                   static_cast<int64_t>(std::chrono::duration<double, std::milli>(Clock::now() - wt0).count())}});
    }
    m.verified = config_.source.verify;
    return std::nullopt;
  }

 private:
  const Config& config_;
  WindowSource& source_;
  const std::vector<RawColumn>& columns_;
  Progress& progress_;
};

void print_plan(const Config& config, const PartitionLayout& layout, const std::vector<PlannedDay>& plan,
                ObjectStore& store, WindowSource& source, std::ostream& out) {
  Mapper mapper(config.schema);
  size_t si = 0;
  const std::vector<RawColumn> columns = partition_raw_columns(mapper, si);
  print_plan_header(out, plan.size(), source.describe());
  for (const PlannedDay& d : plan) {
    const std::string name = format_day(d.day);
    if (d.skip) {
      out << name << "  skip: " << d.reason << "\n";
      continue;
    }
    out << name << "  (" << d.reason << ")  " << d.windows.size() << " window(s)\n";
    for (const Window& w : d.windows) out << "  " << w.describe() << "  " << source.fetch_sql(w, columns) << "\n";
    out << "  write " << store.describe(layout.data_key(d.day, config.output)) << "\n";
    out << "  write " << store.describe(layout.manifest_key(d.day)) << "\n";
    out << "  (a day with no rows deletes the data object instead and records rows: 0)\n";
  }
}

}  // namespace

SyncReport sync_window_source(const Config& config, const SyncOptions& options, ObjectStore& store,
                              std::ostream& plan_out, const OpenWindowSource& open_source) {
  const OpenWindowSource open = open_source ? open_source : [&config] { return open_window_source(config.source); };
  const PartitionLayout layout(config.destination.prefix);
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
  for (const PartitionEntry& e : list_partitions(store, layout.prefix(), backfill && !options.force)) {
    const bool has_manifest =
        std::any_of(e.objects.begin(), e.objects.end(), [](const ObjectInfo& o) { return is_manifest_key(o.key); });
    if (has_manifest)
      req.exported.push_back({e.day, e.manifest && e.manifest->verified, e.manifest ? e.manifest->rows : 0});
  }
  const std::vector<PlannedDay> plan = plan_days(req);

  SyncReport report;
  if (options.dry_run) {
    print_plan(config, layout, plan, store, *open(), plan_out);
    for (const PlannedDay& d : plan) {
      PartitionOutcome o;
      o.day = format_day(d.day);
      o.status = d.skip ? PartitionStatus::Skipped : PartitionStatus::Planned;
      report.partitions.push_back(std::move(o));
    }
    return report;
  }

  std::vector<const PlannedDay*> pending;
  for (const PlannedDay& d : plan) {
    if (d.skip) {
      log::info("partition skipped", {{"partition", format_day(d.day)}, {"reason", d.reason}});
      PartitionOutcome o;
      o.day = format_day(d.day);
      o.status = PartitionStatus::Skipped;
      o.error = d.reason;
      report.partitions.push_back(std::move(o));
    } else {
      pending.push_back(&d);
    }
  }
  // Multipart uploads a killed run left on any day (not only this plan's) are aborted; a day a
  // live run holds is left alone (lease.h).
  if (!pending.empty()) abort_abandoned_uploads(store, layout.prefix());
  const Mapper mapper(config.schema);
  size_t si = 0;
  const std::vector<RawColumn> columns = partition_raw_columns(mapper, si);
  const ExportContext context{config, store, layout, mapper, si, now};
  std::vector<PartitionOutcome> outcomes(pending.size());
  std::atomic<size_t> next{0};
  const size_t threads = std::min<size_t>(pending.size(), static_cast<size_t>(std::max(1, config.sync.concurrency)));
  // One source (one connection) per worker; opened here so that a worker thread cannot throw.
  std::vector<std::unique_ptr<WindowSource>> sources;
  for (size_t t = 0; t < threads; ++t) sources.push_back(open());
  Progress progress(options.show_progress && pending.size() > 1);
  progress.start(static_cast<int64_t>(pending.size()));
  auto worker = [&](WindowSource& source) {
    DayWindows windows(config, source, columns, progress);
    for (size_t i = next++; i < pending.size(); i = next++) {
      const PlannedDay& day = *pending[i];
      PartitionExport out(context, day.day);
      outcomes[i] = export_partition(out, [&](PartitionExport& p) { return windows.write(day, p); });
      progress.partition_done();
    }
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
