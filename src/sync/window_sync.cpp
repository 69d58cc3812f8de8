#include "sync/window_sync.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
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
#include "util/metrics.h"
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

// Writes one planned day's windows into its partition (partition_export.h's WriteDay): the
// histogram, the windows cut from it, each window read, checked and accepted (or split) in turn.
class DayWindows {
 public:
  DayWindows(const Config& config, WindowSource& source, const std::vector<RawColumn>& columns, Progress& progress)
      : config_(config), source_(source), columns_(columns), progress_(progress) {}

  //! Why the day must start over from an empty file, or nullopt when every window is written.
  std::optional<std::string> write(const PlannedDay& day, PartitionExport& out) {
    Manifest& m = out.manifest();
    kept_.clear();  // a restarted day starts over
    const int64_t bucket = kHistogramBucketSeconds;
    const std::vector<HistogramBucket> buckets = source_.histogram(day.span, bucket);
    const std::vector<Window> planned = plan_windows(
        day.span, buckets, bucket, static_cast<uint64_t>(config_.source.window_rows), config_.source.window_seconds);
    const WindowCounts total = histogram_counts(buckets, day.span);
    log::debug(
        "day planned from its histogram",
        {{"partition", out.day_name()}, {"rows", total.rows}, {"windows", static_cast<int64_t>(planned.size())}});
    if (total.rows == 0) {
      // Nothing to read (a sampled histogram still counts at least one row per non-empty span).
      for (const Window& w : planned) m.windows.push_back({w.start, w.end, 0, 0, 0, 1, config_.source.verify});
      m.verified = config_.source.verify;
      return std::nullopt;
    }
    std::deque<Window> queue(planned.begin(), planned.end());
    while (!queue.empty()) {
      const Window w = queue.front();
      queue.pop_front();
      std::optional<WindowRecord> rec;
      for (int attempt = 1; !rec; ++attempt) {
        std::optional<std::string> failed = read_window(w, buckets, out, queue, rec);
        if (!failed) break;  // split: its halves are next in the queue
        if (attempt >= 2) return failed;
        log::warn("reading the window again", {{"partition", out.day_name()}, {"reason", *failed}});
      }
      if (!rec) continue;
      m.windows.push_back(*rec);
      m.source_rows += rec->source_rows;
      m.read_sampled = m.read_sampled || read_sampled(rec->resolution);
    }
    m.verified = config_.source.verify;
    for (const WindowRecord& r : m.windows) m.verified = m.verified && r.verified;
    if (!kept_.empty()) out.warn(kept_warning());
    return std::nullopt;
  }

 private:
  // A one-bucket window kept while still disagreeing with its own count (not verified).
  struct KeptWindow {
    Window window;
    FetchStats got;      // what the read returned
    WindowCounts count;  // what the window's count() said
    double resolution;   // resolution_of(got.rows, count.rows): below 1 when AE sampled the read
  };

  // A kept window AE sampled at read time: fewer rows by a power of ten, whose weights keep the
  // sums. A window of which nothing came back (resolution 0) is incomplete, not sampled.
  static bool read_sampled(double resolution) { return resolution > 0 && resolution < 1; }

  // The day's warning naming every kept window: the read-sampled ones (the manifest's
  // read_sampled, counted in aesync_read_sampled_windows_total) apart from the incomplete ones
  // (rows missing without a power of ten, or more or other rows than counted).
  std::string kept_warning() {
    std::string sampled, incomplete;
    size_t sampled_windows = 0;
    for (const KeptWindow& k : kept_) {
      if (read_sampled(k.resolution)) {
        ++sampled_windows;
        char res[32];
        std::snprintf(res, sizeof res, "%g", k.resolution);
        sampled += (sampled.empty() ? "" : ", ") + k.window.describe() + " at resolution " + res + " (" +
                   std::to_string(k.got.rows) + " of " + std::to_string(k.count.rows) + " rows)";
      } else {
        incomplete += (incomplete.empty() ? "" : ", ") + k.window.describe() + " (" + std::to_string(k.got.rows) +
                      " rows, sample weight " + std::to_string(k.got.sample_weight) + " received; " +
                      std::to_string(k.count.rows) + " rows, sample weight " + std::to_string(k.count.sample_weight) +
                      " counted)";
      }
    }
    std::string warning;
    if (sampled_windows > 0) {
      metrics::global().add("aesync_read_sampled_windows_total", static_cast<double>(sampled_windows));
      warning = "read-sampled by Analytics Engine: windows " + sampled +
                "; kept as returned (weights keep sums unbiased); a later run retries";
    }
    if (!incomplete.empty()) {
      warning += (warning.empty() ? "" : ". ") + std::string("not as counted by the source: windows ") + incomplete +
                 "; kept as returned, the day is not verified; a later run retries";
    }
    return warning;
  }

  // Reads window `w` into the partition (its rows held until it is accepted) and sets `rec`
  // when it is accepted; when it is split instead, pushes its halves to the queue's front and
  // leaves `rec` empty. Returns why the window must be read again (rows were delivered, then
  // the read failed: they are discarded).
  std::optional<std::string> read_window(const Window& w, const std::vector<HistogramBucket>& buckets,
                                         PartitionExport& out, std::deque<Window>& queue,
                                         std::optional<WindowRecord>& rec) {
    out.renew_lease();
    const auto wt0 = Clock::now();
    PartitionWriter& writer = out.writer();
    writer.begin_window();
    WindowConsumer consumer(writer, w);
    FetchStats got;
    try {
      got = source_.fetch(w, columns_, consumer);
    } catch (const SourceError& e) {
      writer.reject_window();
      if (e.rows_delivered > 0) return std::string(e.what());
      throw;
    } catch (...) {
      writer.reject_window();
      throw;
    }
    WindowRecord r{w.start, w.end, got.rows, got.sample_weight, got.rows, 1, false};
    if (config_.source.verify) {
      const WindowCounts want = histogram_counts(buckets, w);
      if (want.rows == got.rows && want.sample_weight == got.sample_weight) {
        r.verified = true;
      } else {
        // The answer over the shorter span wins: the histogram may itself have been sampled, or
        // rows may have arrived since it was taken.
        const WindowCounts own = source_.count(w);
        if (own.rows == got.rows && own.sample_weight == got.sample_weight) {
          r.verified = true;
        } else if (auto halves = split_window(w, kHistogramBucketSeconds)) {
          writer.reject_window();
          log::info(
              "window disagrees with its count: splitting it",
              {{"partition", out.day_name()}, {"window", w.describe()}, {"rows", got.rows}, {"source_rows", own.rows}});
          queue.push_front(halves->second);
          queue.push_front(halves->first);
          return std::nullopt;
        } else {
          // One bucket still disagreeing: kept as returned, not verified (read-sampled, whose
          // weights keep sums unbiased, or incomplete), and named in the day's warning.
          r.source_rows = own.rows;
          r.resolution = resolution_of(got.rows, own.rows);
          kept_.push_back({w, got, own, r.resolution});
        }
      }
    }
    writer.accept_window();
    progress_.add_rows(static_cast<int64_t>(got.rows));
    log::debug(
        "window fetched",
        {{"partition", out.day_name()},
         {"window", w.describe()},
         {"rows", got.rows},
         {"duration_ms", static_cast<int64_t>(std::chrono::duration<double, std::milli>(Clock::now() - wt0).count())}});
    rec = r;
    return std::nullopt;
  }

  const Config& config_;
  WindowSource& source_;
  const std::vector<RawColumn>& columns_;
  Progress& progress_;
  std::vector<KeptWindow> kept_;  // this day's kept, unverified windows
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
    out << name << "  (" << d.reason << ")  " << d.span.describe() << "\n";
    out << "  histogram  " << source.histogram_sql(d.span, kHistogramBucketSeconds) << "\n";
    out << "  windows planned from the histogram: up to " << config.source.window_rows << " rows and "
        << config.source.window_seconds << " s each, each read as\n";
    out << "  " << source.fetch_sql(d.span, columns) << "\n";
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
