// Raw rows in, batches out, on two cores: the caller's thread parses and maps rows into one
// RowBatch while a background thread hands the batches before it to the TableWriter (encode,
// compress, and whatever the sink does: a file write or an upload part).
//
// A batch is handed over when it holds `batch_rows` rows or `budget_bytes` of values. Up to
// kQueuedBatches full batches wait for (or are in) the writer, so the caller's thread reads on
// while one batch is slow to encode, and the writer finds the next batch ready when it is done
// (measured: convert of make bench's day 7% faster than with one, for 4 MiB). Memory holds at
// most kQueuedBatches + 1 small batches whatever the input's size (row groups are the
// writer's business: the Parquet writer keeps a row group as compressed pages, not as rows).
// While the pipeline runs, only its background thread touches the writer and the writer's
// sink; after finish() (or destruction) they belong to the caller again.
//
// Errors: a write that throws on the background thread is rethrown to the caller by the next
// flush(), append() that hands over a batch, or finish(); nothing more is written after it. A
// pipeline destroyed without finish() waits for the batch being written, writes nothing more,
// and leaves the output incomplete (the caller aborts it).
//
// A pipeline that never fills a batch starts no thread: finish() writes its one batch inline.

#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "schema/mapper.h"
#include "schema/raw_row.h"
#include "schema/row_batch.h"
#include "schema/table_writer.h"

namespace aesync {

class BatchPipeline {
 public:
  //! Batches: small enough that two cost little memory, large enough that handing one over
  //! (and the page it becomes per column) is cheap against encoding it.
  static constexpr size_t kDefaultBatchRows = 65536;
  static constexpr size_t kDefaultBudgetBytes = size_t{4} << 20;
  //! Full batches at most, the one being written included.
  static constexpr size_t kQueuedBatches = 2;

  BatchPipeline(const Schema& schema, const Mapper& mapper, TableWriter& writer, size_t batch_rows = kDefaultBatchRows,
                size_t budget_bytes = kDefaultBudgetBytes);
  ~BatchPipeline();
  BatchPipeline(const BatchPipeline&) = delete;
  BatchPipeline& operator=(const BatchPipeline&) = delete;

  //! Maps one row into the batch being filled; hands the batch over when it is full.
  void append(const RawRow& row) {
    mapper_.append(row, filling_);
    if (filling_.rows >= batch_rows_ || (filling_.rows % kBudgetCheckRows == 0 && over_budget())) flush();
  }
  //! Hands the rows mapped so far over now (no-op when there are none).
  void flush();
  //! Writes the last rows and waits until every row group is written; rethrows a write error.
  //! The TableWriter is not closed: that is the caller's.
  void finish();

  //! Rows mapped and not yet handed over.
  size_t buffered_rows() const { return filling_.rows; }

 private:
  // How often (in rows) the batch's size is measured; rows are small, so the overshoot is too.
  static constexpr size_t kBudgetCheckRows = 1024;

  bool over_budget() const;
  // Waits until every batch handed over is written; rethrows a write error.
  void wait_idle(std::unique_lock<std::mutex>& lock);
  // Hands `batch` over to the background thread (an empty one, capacity kept, comes back).
  void hand_over(RowBatch& batch);
  void run();

  const Mapper& mapper_;
  TableWriter& writer_;
  const size_t batch_rows_;
  const size_t budget_bytes_;
  size_t fixed_row_bytes_;
  RowBatch filling_;  // the caller's

  std::mutex mutex_;
  std::condition_variable cv_;
  // A ring of kQueuedBatches: queued_ full batches from head_ on, the one at head_ being (or
  // about to be) written by the background thread; the others are empty.
  std::vector<RowBatch> queue_;
  size_t head_ = 0;
  size_t queued_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace aesync
