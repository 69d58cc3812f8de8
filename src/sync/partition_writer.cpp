#include "sync/partition_writer.h"

#include "sync/table_output.h"

namespace aesync {

namespace {
constexpr size_t kMaxBatchStringBytes = size_t{256} << 20;
}

PartitionWriter::PartitionWriter(const Config& config, const Mapper& mapper, size_t sample_interval_index,
                                 std::unique_ptr<ObjectUpload> upload)
    : config_(config),
      mapper_(mapper),
      sample_interval_index_(sample_interval_index),
      upload_(std::move(upload)),
      hashing_(*upload_),
      writer_(make_table_writer(config.output, config.schema, hashing_)),
      batch_(config.schema) {}

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
  } else {
    for (const ColumnBuffer& c : batch_.columns) {
      if (c.bytes.size() > kMaxBatchStringBytes) {
        flush();
        break;
      }
    }
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
