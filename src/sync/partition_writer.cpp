#include "sync/partition_writer.h"

#include <algorithm>

#include "schema/rollup_writer.h"
#include "sync/factories.h"

namespace aesync {

namespace {

// Counts the rows that reach the file (a rollup writes fewer than it is given).
class RowCounter final : public TableWriter {
 public:
  RowCounter(std::unique_ptr<TableWriter> next, uint64_t& rows) : next_(std::move(next)), rows_(rows) {}
  void write(const RowBatch& batch) override {
    next_->write(batch);
    rows_ += batch.rows;
  }
  void close() override { next_->close(); }

 private:
  std::unique_ptr<TableWriter> next_;
  uint64_t& rows_;
};

}  // namespace

PartitionWriter::PartitionWriter(const OutputConfig& output, const TableRoute& route,
                                 std::unique_ptr<ObjectUpload> upload)
    : sample_interval_index_(route.sample_interval_index),
      upload_(std::move(upload)),
      hashing_(*upload_),
      writer_([&]() -> std::unique_ptr<TableWriter> {
        auto file = std::make_unique<RowCounter>(
            make_table_writer(output, route.output_schema, hashing_, route.memory_share), file_rows_);
        if (!route.table.shape.rollup) return file;
        auto rollup = std::make_unique<RollupWriter>(route.table.shape, std::move(file));
        rollup_ = rollup.get();
        return rollup;
      }()),
      pipeline_(route.input_schema, route.mapper, *writer_, route.batch_rows, route.batch_bytes) {}

PartitionWriter::~PartitionWriter() = default;

void PartitionWriter::append(const RawRow& row) {
  const int64_t ts = row[0].i;  // the read's layout puts timestamp first
  if (result_.input_rows == 0) {
    result_.min_timestamp_ms = result_.max_timestamp_ms = ts;
  } else {
    if (ts < result_.max_timestamp_ms) ++result_.out_of_order_rows;
    result_.min_timestamp_ms = std::min(result_.min_timestamp_ms, ts);
    result_.max_timestamp_ms = std::max(result_.max_timestamp_ms, ts);
  }
  pipeline_.append(row);
  ++result_.input_rows;
  result_.sample_weight += row[sample_interval_index_].i;
}

PartitionFile PartitionWriter::close_file() {
  pipeline_.finish();
  writer_->close();
  result_.rows = file_rows_;
  if (rollup_) result_.late_rows = rollup_->late_rows();
  result_.bytes = hashing_.bytes_written();
  result_.sha256 = hashing_.hex_digest();
  upload_->wait_parts();  // a part sent in the background fails here, before anything is replaced
  return result_;
}

void PartitionWriter::commit() { upload_->commit(); }

PartitionFile PartitionWriter::finish() {
  close_file();
  commit();
  return result_;
}

}  // namespace aesync
