#include "sync/file_sync.h"

#include <chrono>
#include <map>
#include <memory>

#include "schema/mapper.h"
#include "source/file_input.h"
#include "source/jsoneachrow_reader.h"
#include "sync/layout.h"
#include "sync/partition_export.h"
#include "sync/partition_writer.h"
#include "util/log.h"
#include "util/time.h"

namespace aesync {

namespace {

using Clock = std::chrono::steady_clock;

// Leases are renewed (when due) every this many rows read: a long read must not let them expire.
constexpr uint64_t kRowsPerLeaseCheck = 1 << 16;

struct DayState {
  std::unique_ptr<PartitionExport> out;  // null in a dry run
  bool writing = false;                  // the lease is ours: the day's rows go to its file
  uint64_t rows = 0;
  int64_t sample_weight = 0;
};

class DayRouter final : public RowConsumer {
 public:
  DayRouter(const ExportContext& context, const SyncOptions& options, Clock::time_point started, SyncReport& report)
      : context_(context),
        options_(options),
        started_(started),
        report_(report),
        budget_(static_cast<uint64_t>(context.config.output.row_group_rows) * 2) {}

  void on_row(const RawRow& row) override {
    ++report_.rows_read;
    const int64_t day = day_of_ms(row[0].i);
    if (!in_shard_and_dates(day, options_)) {
      ++report_.rows_skipped;
      return;
    }
    DayState& d = day == last_day_ && last_ ? *last_ : open(day);
    ++d.rows;
    d.sample_weight += row[context_.sample_interval_index].i;
    if (!d.writing) return;
    d.out->writer().append(row);
    if (++buffered_ > budget_) relieve();
    if (++since_lease_check_ >= kRowsPerLeaseCheck) renew_leases();
  }

  std::map<int64_t, DayState>& days() { return days_; }

 private:
  DayState& open(int64_t day) {
    auto [it, inserted] = days_.try_emplace(day);
    if (inserted && !options_.dry_run) {
      DayState& d = it->second;
      d.out = std::make_unique<PartitionExport>(context_, day, started_);
      // The lease before the file: a day another run is exporting is left to it.
      if (d.out->begin()) {
        d.out->start_file();
        d.writing = true;
      }
    }
    last_day_ = day;
    last_ = &it->second;
    return it->second;
  }

  // Too many rows buffered across days (input not in day order): write the fullest batch out.
  void relieve() {
    PartitionWriter* fullest = nullptr;
    buffered_ = 0;
    for (auto& [day, d] : days_) {
      if (!d.writing) continue;
      PartitionWriter& w = d.out->writer();
      buffered_ += w.buffered_rows();
      if (!fullest || w.buffered_rows() > fullest->buffered_rows()) fullest = &w;
    }
    if (buffered_ > budget_ && fullest) {
      buffered_ -= fullest->buffered_rows();
      fullest->flush();
    }
  }

  void renew_leases() {
    since_lease_check_ = 0;
    for (auto& [day, d] : days_)
      if (d.writing) d.out->renew_lease();
  }

  const ExportContext& context_;
  const SyncOptions& options_;
  Clock::time_point started_;
  SyncReport& report_;
  uint64_t budget_;
  uint64_t buffered_ = 0;
  uint64_t since_lease_check_ = 0;
  std::map<int64_t, DayState> days_;
  int64_t last_day_ = 0;
  DayState* last_ = nullptr;
};

}  // namespace

SyncReport sync_file_source(const Config& config, const SyncOptions& options, ObjectStore& store,
                            std::ostream& plan_out) {
  const auto start = Clock::now();
  const PartitionLayout layout(config.destination.prefix);
  Mapper mapper(config.schema);
  size_t si = 0;
  const std::vector<RawColumn> columns = partition_raw_columns(mapper, si);
  const ExportContext context{config, store, layout, mapper, si, run_clock(options)};
  SyncReport report;
  DayRouter router(context, options, start, report);
  JsonEachRowReader reader(columns, router);
  log::info("reading input", {{"path", config.source.path}});
  read_jsoneachrow_file(config.source.path, reader);
  report.invalid_utf8_replaced = reader.invalid_utf8_replaced();
  if (report.invalid_utf8_replaced)
    log::warn("invalid UTF-8 replaced with U+FFFD", {{"count", report.invalid_utf8_replaced}});

  if (options.dry_run) {
    print_plan_header(plan_out, router.days().size(), config.source.path);
    for (auto& [day, d] : router.days()) {
      PartitionOutcome o;
      o.day = format_day(day);
      o.status = PartitionStatus::Planned;
      o.rows = d.rows;
      o.sample_weight = d.sample_weight;
      o.data_key = layout.data_key(day, config.output);
      plan_out << "  " << o.day << "  rows " << d.rows << "  write " << store.describe(o.data_key) << ", "
               << store.describe(layout.manifest_key(day)) << "\n";
      report.partitions.push_back(std::move(o));
    }
    return report;
  }

  // The input was read whole and valid: commit each day, data first, then its manifest.
  for (auto& [day, d] : router.days()) {
    PartitionExport& out = *d.out;
    if (d.writing) {
      try {
        out.set_source_rows(d.rows, d.sample_weight);
        out.manifest().verified = false;  // a dump has no independent count to reconcile against
        const PartitionFile file = out.commit();
        if (file.out_of_order_rows)
          log::warn("rows are not in timestamp order in the input; the file keeps input order",
                    {{"partition", out.day_name()}, {"rows", file.out_of_order_rows}});
      } catch (const std::exception& e) {
        out.fail(e);
      }
    }
    report.partitions.push_back(out.finish());
  }
  return report;
}

}  // namespace aesync
