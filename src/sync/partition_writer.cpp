#include "sync/partition_writer.h"

#include <algorithm>

#include "sync/factories.h"

namespace aesync {

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
    : sample_interval_index_(sample_interval_index),
      upload_(std::move(upload)),
      hashing_(*upload_),
      writer_(make_table_writer(config.output, config.schema, hashing_)),
      pipeline_(config.schema, mapper, *writer_) {}

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
  pipeline_.append(row);
  ++result_.rows;
  result_.sample_weight += row[sample_interval_index_].i;
}

void PartitionWriter::begin_window() {
  pipeline_.hold();
  window_start_ = result_;
}

void PartitionWriter::accept_window() { pipeline_.release(); }

void PartitionWriter::reject_window() {
  pipeline_.discard();
  result_ = window_start_;
}

PartitionFile PartitionWriter::close_file() {
  pipeline_.finish();
  writer_->close();
  result_.bytes = hashing_.bytes_written();
  result_.sha256 = hashing_.hex_digest();
  return result_;
}

void PartitionWriter::commit() { upload_->commit(); }

PartitionFile PartitionWriter::finish() {
  close_file();
  commit();
  return result_;
}

}  // namespace aesync
