#include "sync/file_sync.h"

#include <chrono>
#include <map>
#include <memory>

#include "source/file_input.h"
#include "source/jsoneachrow_reader.h"
#include "sync/layout.h"
#include "sync/partition_export.h"
#include "sync/partition_writer.h"
#include "sync/planner.h"
#include "sync/progress.h"
#include "sync/table_route.h"
#include "util/cancel.h"
#include "util/log.h"
#include "util/time.h"

namespace aesync {

namespace {

using Clock = std::chrono::steady_clock;

// Leases are renewed (when due) every this many rows read: a long read must not let them expire.
constexpr uint64_t kRowsPerLeaseCheck = 1 << 16;
// Rows read between two looks at the progress line and at the cancellation (Ctrl-C).
constexpr uint64_t kRowsPerProgress = 1 << 12;

// One table's share of a day.
struct TableDay {
  std::unique_ptr<PartitionExport> out;  // null in a dry run
  bool writing = false;                  // the lease is ours: the table's rows go to its file
  uint64_t rows = 0;                     // rows the table took
  int64_t sample_weight = 0;
};

struct DayState {
  std::vector<TableDay> tables;  // in the read's order
};

class DayRouter final : public RowConsumer {
 public:
  DayRouter(const ExportContext& context, const DatasetRead& read, const SyncOptions& options,
            Clock::time_point started, int64_t oldest_kept, SyncReport& report, Progress& progress)
      : progress_(progress),
        context_(context),
        read_(read),
        options_(options),
        started_(started),
        oldest_kept_(oldest_kept),
        report_(report),
        budget_(static_cast<uint64_t>(context.config.output.row_group_rows) * 2) {}

  void on_row(const RawRow& row) override {
    ++report_.rows_read;
    const int64_t day = day_of_ms(row[0].i);
    if (!in_shard_and_dates(day, options_)) {
      ++report_.rows_skipped;
      return;
    }
    // Prune would delete the day at the end of this very run (a daemon's): never written.
    if (day < oldest_kept_) {
      ++report_.rows_skipped;
      ++beyond_retention_[day];
      return;
    }
    DayState& d = day == last_day_ && last_ ? *last_ : open(day);
    for (size_t i = 0; i < d.tables.size(); ++i) {
      if (!read_.tables[i]->takes(row)) continue;
      TableDay& t = d.tables[i];
      ++t.rows;
      t.sample_weight += row[read_.sample_interval_index].i;
      if (!t.writing) continue;
      t.out->writer().append(row);
      if (++buffered_ > budget_) relieve();
    }
    if (++since_lease_check_ >= kRowsPerLeaseCheck) renew_leases();
    if (++since_progress_ >= kRowsPerProgress) {
      progress_.add_rows(static_cast<int64_t>(since_progress_));
      since_progress_ = 0;
      cancel::throw_if_requested("reading " + context_.config.source.path);
    }
  }

  //! The rows not yet counted by the progress line.
  void flush_progress() {
    progress_.add_rows(static_cast<int64_t>(since_progress_));
    since_progress_ = 0;
  }

  std::map<int64_t, DayState>& days() { return days_; }
  //! The days older than retention, each with its rows (none of them opened).
  const std::map<int64_t, uint64_t>& beyond_retention() const { return beyond_retention_; }

 private:
  DayState& open(int64_t day) {
    auto [it, inserted] = days_.try_emplace(day);
    if (inserted) {
      progress_.day_started(format_day(day));
      DayState& d = it->second;
      d.tables.resize(read_.tables.size());
      for (size_t i = 0; i < d.tables.size() && !options_.dry_run; ++i) {
        TableDay& t = d.tables[i];
        t.out = std::make_unique<PartitionExport>(context_, *read_.tables[i], day, started_);
        // The lease before the file: a day another run is exporting is left to it.
        if (t.out->begin()) {
          t.out->start_file();
          t.writing = true;
        }
      }
    }
    last_day_ = day;
    last_ = &it->second;
    return it->second;
  }

  // Too many rows buffered across days and tables (input not in day order): write the fullest
  // batch out.
  void relieve() {
    PartitionWriter* fullest = nullptr;
    buffered_ = 0;
    for (auto& [day, d] : days_) {
      for (TableDay& t : d.tables) {
        if (!t.writing) continue;
        PartitionWriter& w = t.out->writer();
        buffered_ += w.buffered_rows();
        if (!fullest || w.buffered_rows() > fullest->buffered_rows()) fullest = &w;
      }
    }
    if (buffered_ > budget_ && fullest) {
      buffered_ -= fullest->buffered_rows();
      fullest->flush();
    }
  }

  void renew_leases() {
    since_lease_check_ = 0;
    for (auto& [day, d] : days_)
      for (TableDay& t : d.tables)
        if (t.writing) t.out->renew_lease();
  }

  Progress& progress_;
  uint64_t since_progress_ = 0;
  const ExportContext& context_;
  const DatasetRead& read_;
  const SyncOptions& options_;
  Clock::time_point started_;
  int64_t oldest_kept_;
  SyncReport& report_;
  uint64_t budget_;
  uint64_t buffered_ = 0;
  uint64_t since_lease_check_ = 0;
  std::map<int64_t, DayState> days_;
  std::map<int64_t, uint64_t> beyond_retention_;
  int64_t last_day_ = 0;
  DayState* last_ = nullptr;
};

}  // namespace

SyncReport sync_file_source(const Config& config, const SyncOptions& options, ObjectStore& store,
                            std::ostream& plan_out) {
  const auto start = Clock::now();
  // A file source reads one input: every table is of its one dataset.
  const std::vector<DatasetRead> reads = dataset_reads(config);
  const DatasetRead& read = reads.front();
  const ExportContext context{config, store, run_clock(options)};
  SyncReport report;
  const int64_t oldest_kept = oldest_kept_day(context.now_seconds, config.sync.retention_days);
  Progress progress(options.show_progress && !options.dry_run);
  progress.start(0);  // the days are found as the input is read
  progress.set_input_size(input_file_size(config.source.path));
  DayRouter router(context, read, options, start, oldest_kept, report, progress);
  JsonEachRowReader reader(read.layout, router);
  log::info("reading input", {{"path", config.source.path}});
  try {
    read_jsoneachrow_file(config.source.path, reader, [&](uint64_t bytes) {
      router.flush_progress();
      progress.input_read(static_cast<int64_t>(bytes));
    });
  } catch (const std::exception& e) {
    if (!cancel::requested()) throw;
    // Interrupted: every day opened is cancelled, its upload aborted and its lease released.
    for (auto& [day, d] : router.days())
      for (TableDay& t : d.tables) {
        if (!t.out) continue;  // a dry run
        if (t.writing) t.out->fail(e);
        report.partitions.push_back(t.out->finish());
      }
    return report;
  }
  router.flush_progress();
  report.invalid_utf8_replaced = reader.invalid_utf8_replaced();
  if (report.invalid_utf8_replaced)
    log::warn("invalid UTF-8 replaced with U+FFFD", {{"count", report.invalid_utf8_replaced}});
  if (const std::string warning =
          beyond_retention_warning(router.beyond_retention(), config.sync.retention_days, oldest_kept);
      !warning.empty()) {
    log::warn(warning);
    report.warnings.push_back(warning);
  }

  if (options.dry_run) {
    print_plan_header(plan_out, router.days().size(), config.source.path);
    for (auto& [day, d] : router.days()) {
      for (size_t i = 0; i < d.tables.size(); ++i) {
        const TableRoute& route = *read.tables[i];
        PartitionOutcome o;
        o.day = format_day(day);
        o.table = route.table.name;
        o.status = PartitionStatus::Planned;
        o.rows = d.tables[i].rows;
        o.sample_weight = d.tables[i].sample_weight;
        o.data_key = route.layout.data_key(day, config.output);
        plan_out << "  " << o.day << "  rows " << o.rows << "  write " << store.describe(o.data_key) << ", "
                 << store.describe(route.layout.manifest_key(day)) << "\n";
        report.partitions.push_back(std::move(o));
      }
    }
    return report;
  }

  // The input was read whole and valid: commit each day, data first, then its manifest.
  for (auto& [day, d] : router.days()) {
    for (TableDay& t : d.tables) {
      PartitionExport& out = *t.out;
      if (t.writing) {
        try {
          cancel::throw_if_requested("committing " + out.day_name());
          out.set_source_rows(t.rows, t.sample_weight);
          out.manifest().verified = false;  // a dump has no independent count to reconcile against
          const PartitionFile file = out.commit();
          if (file.out_of_order_rows)
            log::warn(
                "rows are not in timestamp order in the input; the file keeps input order",
                {{"partition", out.day_name()}, {"table", out.route().table.name}, {"rows", file.out_of_order_rows}});
          progress.add_bytes(static_cast<int64_t>(file.bytes));
        } catch (const std::exception& e) {
          out.fail(e);
        }
      }
      report.partitions.push_back(out.finish());
    }
  }
  return report;
}

}  // namespace aesync
