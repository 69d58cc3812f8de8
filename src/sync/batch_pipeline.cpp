#include "sync/batch_pipeline.h"

#include <utility>

namespace aesync {

namespace {
// Bytes a row occupies in a batch outside string contents.
size_t fixed_row_bytes(const Schema& schema) {
  size_t n = 0;
  for (const ColumnSpec& c : schema.columns) n += (c.type == ColumnType::String ? 4 : 8) + (c.nullable() ? 1 : 0);
  return n;
}
}  // namespace

BatchPipeline::BatchPipeline(const Schema& schema, const Mapper& mapper, TableWriter& writer, size_t batch_rows,
                             size_t budget_bytes)
    : mapper_(mapper),
      writer_(writer),
      batch_rows_(batch_rows == 0 ? 1 : batch_rows),
      budget_bytes_(budget_bytes),
      fixed_row_bytes_(fixed_row_bytes(schema)),
      filling_(schema),
      queue_(kQueuedBatches, RowBatch(schema)) {}

BatchPipeline::~BatchPipeline() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool BatchPipeline::over_budget() const {
  size_t bytes = filling_.rows * fixed_row_bytes_;
  for (const ColumnBuffer& c : filling_.columns) bytes += c.bytes.size();
  return bytes >= budget_bytes_;
}

void BatchPipeline::wait_idle(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [this] { return queued_ == 0 || error_; });
  if (error_) std::rethrow_exception(error_);
}

void BatchPipeline::flush() {
  if (filling_.rows == 0) return;
  hand_over(filling_);
}

void BatchPipeline::hand_over(RowBatch& batch) {
  {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return queued_ < kQueuedBatches || error_; });
    if (error_) std::rethrow_exception(error_);
    // The slot after the queued batches holds an empty batch (capacity kept): they trade places.
    std::swap(batch, queue_[(head_ + queued_) % kQueuedBatches]);
    ++queued_;
  }
  if (!thread_.joinable()) {
    thread_ = std::thread([this] { run(); });
  } else {
    cv_.notify_all();
  }
}

void BatchPipeline::finish() {
  if (!thread_.joinable()) {
    // Never handed a batch over: write inline, no thread needed.
    if (filling_.rows > 0) {
      writer_.write(filling_);
      filling_.clear();
    }
    return;
  }
  flush();
  std::unique_lock lock(mutex_);
  wait_idle(lock);
}

void BatchPipeline::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return queued_ > 0 || stop_; });
    if (queued_ == 0) return;  // stopped with nothing to write
    if (stop_ || error_) {
      // Destroyed without finish(), or a write already failed: the output is abandoned.
      for (; queued_ > 0; --queued_, head_ = (head_ + 1) % kQueuedBatches) queue_[head_].clear();
      cv_.notify_all();
      if (stop_) return;
      continue;
    }
    RowBatch& batch = queue_[head_];
    lock.unlock();
    std::exception_ptr failed;
    try {
      writer_.write(batch);
    } catch (...) {
      failed = std::current_exception();
    }
    batch.clear();
    lock.lock();
    if (failed) error_ = failed;
    head_ = (head_ + 1) % kQueuedBatches;
    --queued_;
    cv_.notify_all();
  }
}

}  // namespace aesync
