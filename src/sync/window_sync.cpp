#include "sync/window_sync.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <exception>
#include <map>
#include <thread>
#include <utility>

#include "schema/raw_row_buffer.h"
#include "sync/factories.h"
#include "sync/layout.h"
#include "sync/lease.h"
#include "sync/manifest.h"
#include "sync/partition_export.h"
#include "sync/partition_index.h"
#include "sync/partition_writer.h"
#include "sync/planner.h"
#include "sync/progress.h"
#include "sync/schema_drift.h"
#include "sync/table_route.h"
#include "util/cancel.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/time.h"

namespace aesync {

namespace {

using Clock = std::chrono::steady_clock;

// Holds a window's rows (raw, once for every table), refusing rows outside the window: a row is
// never filed under a day it does not belong to.
class WindowConsumer final : public RowConsumer {
 public:
  WindowConsumer(RawRowBuffer& held, const Window& window) : held_(held), window_(window) {}
  void on_row(const RawRow& row) override {
    const int64_t ts = row[0].i;
    if (ts < window_.start * 1000 || ts >= window_.end * 1000)
      throw SourceError("window " + window_.describe() + ": line " + std::to_string(row.line) + ": timestamp " +
                        format_timestamp_ms(ts) + " is outside the window");
    held_.append(row);
  }

 private:
  RawRowBuffer& held_;
  const Window& window_;
};

// Hands an accepted window's rows to every table that takes them.
class TableRouter final : public RowConsumer {
 public:
  explicit TableRouter(const std::vector<PartitionExport*>& tables) : tables_(tables), taken_(tables.size()) {}
  void on_row(const RawRow& row) override {
    for (size_t i = 0; i < tables_.size(); ++i) {
      if (!tables_[i]->route().takes(row)) continue;
      tables_[i]->writer().append(row);
      ++taken_[i];
    }
  }
  //! Rows each table took so far, in the order of `tables`.
  const std::vector<uint64_t>& taken() const { return taken_; }

 private:
  const std::vector<PartitionExport*>& tables_;
  std::vector<uint64_t> taken_;
};

// Writes accepted windows into the tables on a thread of its own, one window at a time, while
// the caller reads and checks the next one: reading (HTTP, JSON) and writing (mapping, and the
// batch pipeline's encoding) overlap across windows as they do within a file. Two windows are
// held at most: the one being written and the one being read. A failed write is thrown by the
// next start(), finish() or throw_if_failed(); the rows are written in the order the windows
// were accepted.
//
// Only for a read feeding one table, by the run's only worker (`in_background`): a read feeding
// several already holds each table's batches and row groups, and a second held window would cost
// more memory than the overlap gains time (five tables of a 2M-row day: 87 -> 104 MiB measured);
// several workers (`[sync] concurrency`, days in parallel) already keep the cores busy, and a
// second window per worker would add up (a 3-day backfill, 2 workers: 87 -> 105 MiB). There each
// window is written by start() itself, before the next is read, as it always was.
class WindowWriter {
 public:
  WindowWriter(const std::vector<RawColumn>& layout, bool in_background)
      : writing_(layout), in_background_(in_background) {}
  ~WindowWriter() { join(); }
  WindowWriter(const WindowWriter&) = delete;
  WindowWriter& operator=(const WindowWriter&) = delete;

  //! Takes the accepted window's rows (`held` comes back empty, to hold the next window) and
  //! writes them to `router` in the background, once the previous window is written.
  void start(RawRowBuffer& held, TableRouter& router) {
    if (!in_background_) {
      held.replay(router);
      held.clear();
      return;
    }
    finish();
    std::swap(writing_, held);
    done_ = false;
    thread_ = std::thread([this, &router] {
      try {
        writing_.replay(router);
      } catch (...) {
        error_ = std::current_exception();
      }
      writing_.clear();
      done_.store(true, std::memory_order_release);
    });
  }
  //! Waits until the window being written is written; throws its failure.
  void finish() {
    join();
    if (std::exception_ptr e = std::exchange(error_, nullptr)) std::rethrow_exception(e);
  }
  //! Throws the failure of a write that is over, without waiting for one that is not.
  void throw_if_failed() {
    if (thread_.joinable() && done_.load(std::memory_order_acquire)) finish();
  }

 private:
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  RawRowBuffer writing_;  // the window being written: the thread's until done_
  const bool in_background_;
  std::thread thread_;
  std::atomic<bool> done_{true};
  std::exception_ptr error_;
};

// Writes one planned day's windows into its tables' partitions (partition_export.h's WriteDay):
// the histogram, the windows cut from it, each window read, checked and accepted (or split) in
// turn, each accepted window's rows routed to the tables.
class DayWindows {
 public:
  //! `alone`: the only worker of the run (see WindowWriter).
  DayWindows(const Config& config, WindowSource& source, const DatasetRead& read, Progress& progress, bool alone)
      : config_(config),
        source_(source),
        columns_(read.layout),
        held_(read.layout),
        writer_(read.layout, alone && read.tables.size() == 1),
        progress_(progress) {}

  //! Why the day must start over from empty files, or nullopt when every window is written.
  std::optional<std::string> write(const PlannedDay& day, const std::vector<PartitionExport*>& tables) {
    TableRouter router(tables);
    std::optional<std::string> restart;
    try {
      restart = write_windows(day, tables, router);
    } catch (...) {
      // The window being written is over before the tables' files are: a failure to write it
      // came first, and is the one reported.
      writer_.finish();
      throw;
    }
    return restart;
  }

 private:
  std::optional<std::string> write_windows(const PlannedDay& day, const std::vector<PartitionExport*>& tables,
                                           TableRouter& router) {
    Manifest m;  // the read's record: windows, source_rows, verified, read_sampled
    const std::string& name = tables.front()->day_name();
    kept_.clear();  // a restarted day starts over
    const int64_t bucket = kHistogramBucketSeconds;
    const std::vector<HistogramBucket> buckets = source_.histogram(day.span, bucket);
    const std::vector<Window> planned = plan_windows(
        day.span, buckets, bucket, static_cast<uint64_t>(config_.source.window_rows), config_.source.window_seconds);
    const WindowCounts total = histogram_counts(buckets, day.span);
    progress_.expect_rows(static_cast<int64_t>(total.rows));
    log::debug("day planned from its histogram",
               {{"partition", name}, {"rows", total.rows}, {"windows", static_cast<int64_t>(planned.size())}});
    if (total.rows == 0) {
      // Nothing to read (a sampled histogram still counts at least one row per non-empty span).
      for (const Window& w : planned) m.windows.push_back({w.start, w.end, 0, 0, 0, 1, config_.source.verify});
      m.verified = config_.source.verify;
      record(m, router, tables);
      return std::nullopt;
    }
    std::deque<Window> queue(planned.begin(), planned.end());
    while (!queue.empty()) {
      const Window w = queue.front();
      queue.pop_front();
      std::optional<WindowRecord> rec;
      for (int attempt = 1; !rec; ++attempt) {
        std::optional<std::string> failed = read_window(w, buckets, tables, router, queue, rec);
        if (!failed) break;                        // split: its halves are next in the queue
        cancel::throw_if_requested(w.describe());  // interrupted: not a window to read again
        if (attempt >= 2) {
          writer_.finish();  // the rows of the windows accepted are all written before a restart
          return failed;
        }
        log::warn("reading the window again", {{"partition", name}, {"reason", *failed}});
      }
      if (!rec) continue;
      m.windows.push_back(*rec);
      m.source_rows += rec->source_rows;
      m.read_sampled = m.read_sampled || read_sampled(rec->resolution);
    }
    writer_.finish();
    m.verified = config_.source.verify;
    for (const WindowRecord& r : m.windows) m.verified = m.verified && r.verified;
    if (!kept_.empty()) {
      const std::string warning = kept_warning();
      for (PartitionExport* t : tables) t->warn(warning);
    }
    record(m, router, tables);
    return std::nullopt;
  }

  // Each table's manifest gets the read's windows and verdicts; its source_rows are the rows the
  // source counted for the day, or, for a table with `where` (the counts are of the whole
  // dataset), the rows it took.
  static void record(const Manifest& read, const TableRouter& router, const std::vector<PartitionExport*>& tables) {
    for (size_t i = 0; i < tables.size(); ++i) {
      Manifest& m = tables[i]->manifest();
      m.windows = read.windows;
      m.verified = read.verified;
      m.read_sampled = read.read_sampled;
      m.source_rows = tables[i]->route().where.empty() ? read.source_rows : router.taken()[i];
    }
  }

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

  // Reads window `w`, holding its rows, and sets `rec` when it is accepted (its rows then go to
  // the tables); when it is split instead, pushes its halves to the queue's front and leaves
  // `rec` empty. Returns why the window must be read again (rows were delivered, then the read
  // failed: they are dropped).
  std::optional<std::string> read_window(const Window& w, const std::vector<HistogramBucket>& buckets,
                                         const std::vector<PartitionExport*>& tables, TableRouter& router,
                                         std::deque<Window>& queue, std::optional<WindowRecord>& rec) {
    const std::string& name = tables.front()->day_name();
    writer_.throw_if_failed();  // no further window is read once writing one failed
    for (PartitionExport* t : tables) t->renew_lease();
    const auto wt0 = Clock::now();
    progress_.set_window(window_label(w.start, w.end));
    held_.clear();
    held_.reserve(histogram_counts(buckets, w).rows);
    WindowConsumer consumer(held_, w);
    FetchStats got;
    try {
      got = source_.fetch(w, columns_, consumer);
    } catch (const SourceError& e) {
      held_.clear();
      if (e.rows_delivered > 0) return std::string(e.what());
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
          held_.clear();
          log::info("window disagrees with its count: splitting it",
                    {{"partition", name}, {"window", w.describe()}, {"rows", got.rows}, {"source_rows", own.rows}});
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
    writer_.start(held_, router);  // held_ comes back empty: the next window is read meanwhile
    progress_.add_rows(static_cast<int64_t>(got.rows));
    log::debug(
        "window fetched",
        {{"partition", name},
         {"window", w.describe()},
         {"rows", got.rows},
         {"duration_ms", static_cast<int64_t>(std::chrono::duration<double, std::milli>(Clock::now() - wt0).count())}});
    rec = r;
    return std::nullopt;
  }

  const Config& config_;
  WindowSource& source_;
  const std::vector<RawColumn>& columns_;
  RawRowBuffer held_;    // the window being checked: its rows, raw, once for every table
  WindowWriter writer_;  // the window accepted before it, being written
  Progress& progress_;
  std::vector<KeptWindow> kept_;  // this day's kept, unverified windows
};

// One dataset's day: its span, and per table (in the read's order) whether it is exported.
struct DatasetDay {
  int64_t day = 0;
  Window span;
  std::vector<const PlannedDay*> tables;  //!< null: not in that table's plan
  //! The tables that export the day (not skipped).
  std::vector<size_t> exporting() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < tables.size(); ++i)
      if (tables[i] && !tables[i]->skip) out.push_back(i);
    return out;
  }
};

// A dataset's tables, their plans, and its days (the union of its tables' plans, in day order).
struct DatasetPlan {
  const DatasetRead* read = nullptr;
  std::vector<std::vector<PlannedDay>> table_plans;  // per table of the read
  std::vector<DatasetDay> days;
};

// What the destination holds for a table: its days' manifests, as the planner needs them.
std::vector<ExportedDay> exported_days(const std::vector<PartitionEntry>& entries, const std::string& fingerprint) {
  std::vector<ExportedDay> out;
  for (const PartitionEntry& e : entries) {
    const bool has_manifest =
        std::any_of(e.objects.begin(), e.objects.end(), [](const ObjectInfo& o) { return is_manifest_key(o.key); });
    if (!has_manifest) continue;
    ExportedDay d;
    d.day = e.day;
    d.verified = e.manifest && e.manifest->verified;
    d.rows = e.manifest ? e.manifest->rows : 0;
    d.current_schema = !e.manifest || manifest_fingerprint(*e.manifest) == fingerprint;
    out.push_back(d);
  }
  return out;
}

DatasetPlan plan_dataset(const DatasetRead& read, const PlanRequest& base,
                         const std::vector<std::vector<PartitionEntry>>& partitions) {
  DatasetPlan plan;
  plan.read = &read;
  std::map<int64_t, DatasetDay> days;
  for (size_t t = 0; t < read.tables.size(); ++t) {
    PlanRequest req = base;
    req.exported = exported_days(partitions[t], read.tables[t]->fingerprint);
    plan.table_plans.push_back(plan_days(req));
  }
  for (size_t t = 0; t < read.tables.size(); ++t) {
    for (const PlannedDay& d : plan.table_plans[t]) {
      DatasetDay& day = days[d.day];
      day.day = d.day;
      day.span = d.span;
      day.tables.resize(read.tables.size());
      day.tables[t] = &d;
    }
  }
  for (auto& [day, d] : days) plan.days.push_back(std::move(d));
  return plan;
}

void print_plan(const Config& config, const DatasetPlan& plan, ObjectStore& store, WindowSource& source,
                std::ostream& out) {
  const DatasetRead& read = *plan.read;
  const bool several = read.tables.size() > 1;
  print_plan_header(out, plan.days.size(), source.describe());
  for (const DatasetDay& d : plan.days) {
    const std::string name = format_day(d.day);
    const std::vector<size_t> exporting = d.exporting();
    if (exporting.empty()) {
      // Every table skips it: one reason (a single table's), or each table's.
      for (size_t t = 0; t < d.tables.size(); ++t)
        if (d.tables[t])
          out << name << "  skip" << (several ? " " + read.tables[t]->table.name : std::string()) << ": "
              << d.tables[t]->reason << "\n";
      continue;
    }
    out << name << "  (" << d.tables[exporting.front()]->reason << ")  " << d.span.describe() << "\n";
    out << "  histogram  " << source.histogram_sql(d.span, kHistogramBucketSeconds) << "\n";
    out << "  windows planned from the histogram: up to " << config.source.window_rows << " rows and "
        << config.source.window_seconds << " s each, each read as\n";
    out << "  " << source.fetch_sql(d.span, read.layout) << "\n";
    for (size_t t = 0; t < d.tables.size(); ++t) {
      if (!d.tables[t]) continue;
      const TableRoute& route = *read.tables[t];
      if (d.tables[t]->skip) {
        out << "  skip " << route.table.name << ": " << d.tables[t]->reason << "\n";
        continue;
      }
      out << "  write " << store.describe(route.layout.data_key(d.day, config.output)) << "\n";
      out << "  write " << store.describe(route.layout.manifest_key(d.day)) << "\n";
    }
    out << "  (a day with no rows deletes the data object instead and records rows: 0)\n";
  }
}

// One day of one dataset to export: the tables that export it.
struct DayTask {
  size_t read = 0;  // index into the reads
  const DatasetDay* day = nullptr;
  std::vector<size_t> tables;
};

}  // namespace

SyncReport sync_window_source(const Config& config, const SyncOptions& options, ObjectStore& store,
                              std::ostream& plan_out, const OpenWindowSource& open_source) {
  const OpenWindowSource open = open_source ? open_source : [&config](const std::string& dataset) {
    return open_window_source(source_for_dataset(config.source, dataset));
  };
  const int64_t now = run_clock(options);
  PlanRequest base;
  base.now_seconds = now;
  base.lookback_days = config.sync.lookback_days;
  base.retention_days = config.sync.retention_days;
  base.settle_seconds = config.source.settle_seconds;
  base.from_day = options.from_day;
  base.to_day = options.to_day;
  base.force = options.force;
  base.shard_index = options.shard_index;
  base.shard_count = options.shard_count;

  SyncReport report;
  const std::vector<DatasetRead> reads = dataset_reads(config);
  std::vector<DatasetPlan> plans;
  for (const DatasetRead& read : reads) {
    // Every table's manifests: its plan (verified days, old schemas) and its schema drift.
    std::vector<std::vector<PartitionEntry>> partitions;
    for (const auto& route : read.tables) {
      partitions.push_back(list_partitions(store, route->layout.prefix(), true));
      const SchemaDrift drift = find_schema_drift(route->table, partitions.back());
      metrics::global().set("aesync_old_schema_days", static_cast<double>(drift.old_days.size()),
                            "table=\"" + route->table.name + "\"");
      if (const std::string warning = drift.warning(route->table); !warning.empty()) {
        log::warn(warning, {{"table", route->table.name}});
        report.warnings.push_back(warning);
      }
    }
    plans.push_back(plan_dataset(read, base, partitions));
  }

  if (options.dry_run) {
    for (const DatasetPlan& plan : plans) {
      print_plan(config, plan, store, *open(plan.read->dataset), plan_out);
      for (const DatasetDay& d : plan.days) {
        for (size_t t = 0; t < d.tables.size(); ++t) {
          if (!d.tables[t]) continue;
          PartitionOutcome o;
          o.day = format_day(d.day);
          o.table = plan.read->tables[t]->table.name;
          o.status = d.tables[t]->skip ? PartitionStatus::Skipped : PartitionStatus::Planned;
          o.rows = d.tables[t]->rows;  // a skipped day's: what its manifest holds
          report.partitions.push_back(std::move(o));
        }
      }
    }
    return report;
  }

  std::vector<DayTask> tasks;
  for (size_t r = 0; r < plans.size(); ++r) {
    for (const DatasetDay& d : plans[r].days) {
      for (size_t t = 0; t < d.tables.size(); ++t) {
        if (!d.tables[t] || !d.tables[t]->skip) continue;
        log::info("partition skipped", {{"partition", format_day(d.day)},
                                        {"table", reads[r].tables[t]->table.name},
                                        {"reason", d.tables[t]->reason}});
        PartitionOutcome o;
        o.day = format_day(d.day);
        o.table = reads[r].tables[t]->table.name;
        o.status = PartitionStatus::Skipped;
        o.error = d.tables[t]->reason;
        o.rows = d.tables[t]->rows;  // what its manifest holds
        report.partitions.push_back(std::move(o));
      }
      if (std::vector<size_t> exporting = d.exporting(); !exporting.empty())
        tasks.push_back({r, &d, std::move(exporting)});
    }
  }
  // Multipart uploads a killed run left on any day (not only this plan's) are aborted; a day a
  // live run holds is left alone (lease.h).
  if (!tasks.empty())
    for (const DatasetRead& read : reads)
      for (const auto& route : read.tables) abort_abandoned_uploads(store, route->layout.prefix());

  const ExportContext context{config, store, now};
  std::vector<std::vector<PartitionOutcome>> outcomes(tasks.size());
  std::atomic<size_t> next{0};
  const size_t threads = std::min<size_t>(tasks.size(), static_cast<size_t>(std::max(1, config.sync.concurrency)));
  // One source (one connection) per worker and dataset; opened here so that a worker thread
  // cannot throw.
  std::vector<std::vector<std::unique_ptr<WindowSource>>> sources(threads);
  for (size_t t = 0; t < threads; ++t)
    for (const DatasetRead& read : reads) sources[t].push_back(open(read.dataset));
  Progress progress(options.show_progress);
  progress.start(static_cast<int64_t>(tasks.size()));
  auto worker = [&](std::vector<std::unique_ptr<WindowSource>>& own) {
    std::vector<std::unique_ptr<DayWindows>> windows;
    for (size_t r = 0; r < reads.size(); ++r)
      windows.push_back(std::make_unique<DayWindows>(config, *own[r], reads[r], progress, threads == 1));
    for (size_t i = next++; i < tasks.size(); i = next++) {
      const DayTask& task = tasks[i];
      const DatasetRead& read = reads[task.read];
      if (cancel::requested()) {
        // Interrupted: the days not begun are not exported either.
        for (size_t t : task.tables) {
          PartitionOutcome o;
          o.day = format_day(task.day->day);
          o.table = read.tables[t]->table.name;
          o.status = PartitionStatus::Cancelled;
          o.error = "cancelled: the run was interrupted before the day was begun";
          outcomes[i].push_back(std::move(o));
        }
        continue;
      }
      progress.day_started(format_day(task.day->day));
      const auto started = PartitionExport::Clock::now();
      std::vector<std::unique_ptr<PartitionExport>> exports;
      for (size_t t : task.tables)
        exports.push_back(std::make_unique<PartitionExport>(context, *read.tables[t], task.day->day, started));
      const PlannedDay& planned = *task.day->tables[task.tables.front()];
      outcomes[i] = export_day(exports, [&](const std::vector<PartitionExport*>& tables) {
        return windows[task.read]->write(planned, tables);
      });
      for (const PartitionOutcome& o : outcomes[i]) progress.add_bytes(static_cast<int64_t>(o.bytes));
      progress.partition_done();
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker, std::ref(sources[t]));
  if (threads > 0) worker(sources[0]);
  for (std::thread& t : pool) t.join();
  progress.finish();
  for (std::vector<PartitionOutcome>& day : outcomes)
    for (PartitionOutcome& o : day) report.partitions.push_back(std::move(o));
  // Day order, then the config's table order (the reads keep it within a dataset).
  std::map<std::string, size_t> table_order;
  for (size_t i = 0; i < config.tables.size(); ++i) table_order[config.tables[i].name] = i;
  std::stable_sort(report.partitions.begin(), report.partitions.end(),
                   [&](const PartitionOutcome& a, const PartitionOutcome& b) {
                     if (a.day != b.day) return a.day < b.day;
                     return table_order[a.table] < table_order[b.table];
                   });
  return report;
}

}  // namespace aesync
