#include "sync/file_sync.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "schema/mapper.h"
#include "source/file_input.h"
#include "source/jsoneachrow_reader.h"
#include "storage/file_output.h"
#include "sync/api_sync.h"
#include "sync/manifest.h"
#include "sync/partition_commit.h"
#include "sync/partition_writer.h"
#include "sync/batch_pipeline.h"
#include "sync/factories.h"
#include "util/log.h"
#include "util/time.h"
#include "util/version.h"

namespace aesync {

bool SyncReport::failed() const {
  return std::any_of(partitions.begin(), partitions.end(), [](const PartitionOutcome& p) { return p.status == "failed"; });
}

std::string partition_key(const Config& config, const std::string& day, const std::string& name) {
  return config.destination.prefix + "/" + day + "/" + name;
}

namespace {

using Clock = std::chrono::steady_clock;

bool in_plan(int64_t day, const SyncOptions& o) {
  if (o.from_day && day < *o.from_day) return false;
  if (o.to_day && day > *o.to_day) return false;
  const int64_t n = o.shard_count;
  return ((day % n) + n) % n == o.shard_index;
}

struct DayState {
  std::unique_ptr<PartitionWriter> writer;  // null in a dry run
  uint64_t rows = 0;
  int64_t sample_weight = 0;
};

class DayRouter final : public RowConsumer {
 public:
  DayRouter(const Config& config, const SyncOptions& options, ObjectStore& store, const Mapper& mapper,
            size_t sample_interval_index, SyncReport& report)
      : config_(config),
        options_(options),
        store_(store),
        mapper_(mapper),
        si_(sample_interval_index),
        report_(report),
        budget_(static_cast<uint64_t>(config.output.row_group_rows) * 2) {}

  void on_row(const RawRow& row) override {
    ++report_.rows_read;
    const int64_t day = day_of_ms(row[0].i);
    if (!in_plan(day, options_)) {
      ++report_.rows_skipped;
      return;
    }
    DayState& d = day == last_day_ && last_ ? *last_ : open(day);
    ++d.rows;
    d.sample_weight += row[si_].i;
    if (!d.writer) return;
    d.writer->append(row);
    if (++buffered_ > budget_) relieve();
  }

  std::map<int64_t, DayState>& days() { return days_; }

 private:
  DayState& open(int64_t day) {
    auto [it, inserted] = days_.try_emplace(day);
    if (inserted && !options_.dry_run) {
      const std::string key = partition_key(config_, format_day(day), data_file_name(config_.output));
      it->second.writer = std::make_unique<PartitionWriter>(config_, mapper_, si_, store_.begin_upload(key));
    }
    last_day_ = day;
    last_ = &it->second;
    return it->second;
  }

  // Too many rows buffered across days (input not in day order): write the fullest batch out.
  void relieve() {
    DayState* fullest = nullptr;
    buffered_ = 0;
    for (auto& [day, d] : days_) {
      if (!d.writer) continue;
      buffered_ += d.writer->buffered_rows();
      if (!fullest || d.writer->buffered_rows() > fullest->writer->buffered_rows()) fullest = &d;
    }
    if (buffered_ > budget_ && fullest) {
      buffered_ -= fullest->writer->buffered_rows();
      fullest->writer->flush();
    }
  }

  const Config& config_;
  const SyncOptions& options_;
  ObjectStore& store_;
  const Mapper& mapper_;
  size_t si_;
  SyncReport& report_;
  uint64_t budget_;
  uint64_t buffered_ = 0;
  std::map<int64_t, DayState> days_;
  int64_t last_day_ = 0;
  DayState* last_ = nullptr;
};

}  // namespace

SyncReport sync_file_source(const Config& config, const SyncOptions& options, ObjectStore& store, std::ostream& plan_out) {
  const auto start = Clock::now();
  Mapper mapper(config.schema);
  size_t si = 0;
  const std::vector<RawColumn> columns = partition_raw_columns(mapper, si);
  SyncReport report;
  DayRouter router(config, options, store, mapper, si, report);
  JsonEachRowReader reader(columns, router);
  log::info("reading input", {{"path", config.source.path}});
  read_jsoneachrow_file(config.source.path, reader);
  report.invalid_utf8_replaced = reader.invalid_utf8_replaced();
  if (report.invalid_utf8_replaced)
    log::warn("invalid UTF-8 replaced with U+FFFD", {{"count", report.invalid_utf8_replaced}});

  const std::string data_name = data_file_name(config.output);
  if (options.dry_run) {
    plan_out << "plan: " << router.days().size() << " partition(s) from " << config.source.path << "\n";
    for (auto& [day, d] : router.days()) {
      const std::string name = format_day(day);
      plan_out << "  " << name << "  rows " << d.rows << "  write " << store.describe(partition_key(config, name, data_name))
               << ", " << store.describe(partition_key(config, name, "_manifest.json")) << "\n";
      report.partitions.push_back({name, "planned", d.rows, d.sample_weight, 0, 0, partition_key(config, name, data_name), ""});
    }
    return report;
  }

  // The input was read whole and valid: commit each day, data first, then its manifest.
  const double read_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& [day, d] : router.days()) {
    const auto t0 = Clock::now();
    const std::string name = format_day(day);
    PartitionOutcome out{name, "ok", d.rows, d.sample_weight, 0, 0, partition_key(config, name, data_name), ""};
    try {
      Manifest m = new_manifest(config, name, run_clock(options));
      const PartitionFile file =
          commit_partition(store, partition_key(config, name, "_manifest.json"), *d.writer, [&](const PartitionFile& f) {
            m.data_key = out.data_key;
            m.rows = f.rows;
            m.sample_weight = f.sample_weight;
            m.bytes = f.bytes;
            m.sha256 = f.sha256;
            m.source_rows = d.rows;
            m.verified = false;  // a dump has no independent count to reconcile against
            return manifest_to_json(m);
          });
      d.writer.reset();
      if (file.out_of_order_rows)
        log::warn("rows are not in timestamp order in the input; the file keeps input order",
                  {{"partition", name}, {"rows", file.out_of_order_rows}});
      out.bytes = file.bytes;
    } catch (const std::exception& e) {
      out.status = "failed";
      out.error = log::redact(e.what());
      log::error(out.error, {{"partition", name}});
    }
    out.seconds = read_seconds + std::chrono::duration<double>(Clock::now() - t0).count();
    log::info("partition exported", {{"partition", name}, {"rows", out.rows}, {"bytes", out.bytes},
                                     {"duration_ms", static_cast<int64_t>(out.seconds * 1000)}, {"status", out.status}});
    report.partitions.push_back(std::move(out));
  }
  return report;
}

namespace {

class ConvertConsumer final : public RowConsumer {
 public:
  explicit ConvertConsumer(BatchPipeline& pipeline) : pipeline_(pipeline) {}
  void on_row(const RawRow& row) override {
    pipeline_.append(row);
    ++rows_;
  }
  uint64_t rows() const { return rows_; }

 private:
  BatchPipeline& pipeline_;
  uint64_t rows_ = 0;
};

}  // namespace

ConvertResult convert_file(const Config& config, const std::string& input, const std::string& output) {
  std::unique_ptr<AtomicFile> file;
  std::unique_ptr<FdSink> stdout_sink;
  ByteSink* sink;
  if (output == "-") {
    stdout_sink = std::make_unique<FdSink>(STDOUT_FILENO, "<stdout>");
    sink = stdout_sink.get();
  } else {
    file = std::make_unique<AtomicFile>(output);
    sink = file.get();
  }
  Mapper mapper(config.schema);
  std::unique_ptr<TableWriter> writer = make_table_writer(config.output, config.schema, *sink);
  ConvertResult result;
  {
    BatchPipeline pipeline(config.schema, mapper, *writer);
    ConvertConsumer consumer(pipeline);
    JsonEachRowReader reader(mapper.raw_columns(), consumer);
    read_jsoneachrow_file(input, reader);
    pipeline.finish();
    result.rows = consumer.rows();
    result.invalid_utf8_replaced = reader.invalid_utf8_replaced();
  }
  writer->close();
  result.bytes = sink->bytes_written();
  if (file)
    file->commit();
  else
    stdout_sink->flush();
  return result;
}

void print_summary(const SyncReport& report, std::ostream& out) {
  char line[160];
  std::snprintf(line, sizeof line, "%-12s %12s %14s %9s  %s\n", "day", "rows", "bytes", "seconds", "status");
  out << line;
  uint64_t rows = 0, bytes = 0;
  for (const PartitionOutcome& p : report.partitions) {
    std::snprintf(line, sizeof line, "%-12s %12llu %14llu %9.2f  %s\n", p.day.c_str(),
                  static_cast<unsigned long long>(p.rows), static_cast<unsigned long long>(p.bytes), p.seconds,
                  p.status.c_str());
    out << line;
    if (!p.error.empty()) out << "  " << p.day << ": " << p.error << "\n";
    rows += p.rows;
    bytes += p.bytes;
  }
  std::snprintf(line, sizeof line, "%-12s %12llu %14llu\n", "total", static_cast<unsigned long long>(rows),
                static_cast<unsigned long long>(bytes));
  out << line;
}

}  // namespace aesync
