// Raw rows in, row groups out, on two cores: the caller's thread parses and maps rows into one
// RowBatch while a background thread writes the previous batch through the TableWriter
// (encode, compress, and whatever the sink does: a file write or an upload part).
//
// A batch is handed over when it holds `row_group_rows` rows or `budget_bytes` of values, so
// memory holds at most two batches (about 2 x budget) whatever the input's size. While the
// pipeline runs, only its background thread touches the writer and the writer's sink; after
// finish() (or destruction) they belong to the caller again.
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

#include "schema/mapper.h"
#include "schema/raw_row.h"
#include "schema/row_batch.h"
#include "schema/table_writer.h"

namespace aesync {

class RowGroupPipeline {
 public:
  //! Default byte budget of one batch: two of them plus an upload part fit the memory target.
  static constexpr size_t kDefaultBudgetBytes = size_t{16} << 20;

  RowGroupPipeline(const Schema& schema, const Mapper& mapper, TableWriter& writer, size_t row_group_rows,
                   size_t budget_bytes = kDefaultBudgetBytes);
  ~RowGroupPipeline();
  RowGroupPipeline(const RowGroupPipeline&) = delete;
  RowGroupPipeline& operator=(const RowGroupPipeline&) = delete;

  //! Maps one row into the batch being filled; hands the batch over when it is full.
  void append(const RawRow& row) {
    mapper_.append(row, filling_);
    if (filling_.rows >= row_group_rows_ || (filling_.rows % kBudgetCheckRows == 0 && over_budget())) flush();
  }
  //! Hands the rows mapped so far over as one row group now (no-op when there are none).
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
  void wait_idle(std::unique_lock<std::mutex>& lock);
  void run();

  const Mapper& mapper_;
  TableWriter& writer_;
  const size_t row_group_rows_;
  const size_t budget_bytes_;
  size_t fixed_row_bytes_;
  RowBatch filling_;  // the caller's
  RowBatch writing_;  // the background thread's while `busy_`

  std::mutex mutex_;
  std::condition_variable cv_;
  bool busy_ = false;  // writing_ holds a batch handed over and not yet written
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace aesync
