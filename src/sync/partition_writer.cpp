#include "sync/partition_writer.h"

#include <algorithm>

#include "sync/table_output.h"

namespace aesync {

namespace {
// A partition's batch is written out as a row group when it holds this many bytes, even
// before `row_group_rows`: several partitions run at once, and each also holds its encoded
// chunk and an upload part, so this budget is what keeps a run within its memory target.
constexpr size_t kBatchBudgetBytes = size_t{24} << 20;
// How often (in rows) the batch's size is measured; rows are small, so the overshoot is too.
constexpr size_t kBudgetCheckRows = 1024;

// Bytes a row occupies in the batch outside string contents.
size_t fixed_row_bytes(const Schema& schema) {
  size_t n = 0;
  for (const ColumnSpec& c : schema.columns) n += (c.type == ColumnType::String ? 4 : 8) + (c.nullable() ? 1 : 0);
  return n;
}
}

std::vector<RawColumn> partition_raw_columns(const Mapper& mapper, size_t& sample_interval_index) {
  std::vector<RawColumn> cols = mapper.raw_columns();
  const RawColumn si{RawColumn::Kind::SampleInterval, 0};
  auto it = std::find(cols.begin(), cols.end(), si);
  sample_interval_index = static_cast<size_t>(it - cols.begin());
  if (it == cols.end()) cols.push_back(si);
  return cols;
}

PartitionWriter::PartitionWriter(const Config& config, const Mapper& mapper, size_t sample_interval_index,
                                 std::unique_ptr<ObjectUpload> upload)
    : config_(config),
      mapper_(mapper),
      sample_interval_index_(sample_interval_index),
      upload_(std::move(upload)),
      hashing_(*upload_),
      writer_(make_table_writer(config.output, config.schema, hashing_)),
      batch_(config.schema),
      fixed_row_bytes_(fixed_row_bytes(config.schema)) {}

PartitionWriter::~PartitionWriter() = default;

void PartitionWriter::append(const RawRow& row) {
  const int64_t ts = row[0].i;  // Schema::raw_columns() puts timestamp first
  if (result_.rows == 0) {
    result_.min_timestamp_ms = result_.max_timestamp_ms = ts;
  } else {
    if (ts < result_.max_timestamp_ms) ++result_.out_of_order_rows;
    result_.min_timestamp_ms = std::min(result_.min_timestamp_ms, ts);
    result_.max_timestamp_ms = std::max(result_.max_timestamp_ms, ts);
  }
  mapper_.append(row, batch_);
  ++result_.rows;
  result_.sample_weight += row[sample_interval_index_].i;
  if (batch_.rows >= static_cast<size_t>(config_.output.row_group_rows)) {
    flush();
  } else if (batch_.rows % kBudgetCheckRows == 0) {
    size_t bytes = batch_.rows * fixed_row_bytes_;
    for (const ColumnBuffer& c : batch_.columns) bytes += c.bytes.size();
    if (bytes >= kBatchBudgetBytes) flush();
  }
}

void PartitionWriter::flush() {
  if (batch_.rows == 0) return;
  writer_->write(batch_);
  batch_.clear();
}

PartitionFile PartitionWriter::finish() {
  flush();
  writer_->close();
  result_.bytes = hashing_.bytes_written();
  result_.sha256 = hashing_.hex_digest();
  upload_->commit();
  return result_;
}

}  // namespace aesync
