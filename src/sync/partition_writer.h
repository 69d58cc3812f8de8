// One table's partition output in progress: raw rows in, a data object streamed to the store.
//
// Rows go through a BatchPipeline: mapped into small batches on the caller's thread, encoded on
// a second one (the writer cuts row groups of `row_group_rows`), so memory holds two small
// batches and one row group's compressed pages whatever the partition's size; a rollup table
// adds the groups of one time bucket (schema/rollup_writer.h). Bytes are hashed on their way to
// the upload. finish() completes the file and commits the upload; destroying an unfinished
// PartitionWriter stops the pipeline and aborts the upload, leaving the previous object
// untouched. Rows reach a PartitionWriter only once their window is accepted: a window being
// checked is held once for every table, raw (sync/window_sync.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"
#include "schema/row_batch.h"
#include "schema/table_writer.h"
#include "storage/object_store.h"
#include "sync/batch_pipeline.h"
#include "sync/table_route.h"
#include "util/sha256.h"

namespace aesync {

class RollupWriter;

struct PartitionFile {
  uint64_t rows = 0;          //!< rows in the file (a rollup's: its groups)
  uint64_t input_rows = 0;    //!< rows appended (a plain table: = rows)
  int64_t sample_weight = 0;  //!< sum of _sample_interval of the rows appended
  uint64_t bytes = 0;
  std::string sha256;
  int64_t min_timestamp_ms = 0, max_timestamp_ms = 0;
  uint64_t out_of_order_rows = 0;  //!< rows whose timestamp is below an earlier row's
  //! A rollup's rows that came after their bucket was written (input not in time order): their
  //! bucket and group have more than one row in the file.
  uint64_t late_rows = 0;
};

class PartitionWriter {
 public:
  PartitionWriter(const OutputConfig& output, const TableRoute& route, std::unique_ptr<ObjectUpload> upload);
  ~PartitionWriter();

  void append(const RawRow& row);
  //! Rows and sample weight appended so far.
  uint64_t rows() const { return result_.input_rows; }
  int64_t sample_weight() const { return result_.sample_weight; }
  //! Writes the buffered rows as a batch now (memory pressure across partitions).
  void flush() { pipeline_.flush(); }
  uint64_t buffered_rows() const { return pipeline_.buffered_rows(); }
  //! Completes and commits the object: close_file(), then commit().
  PartitionFile finish();
  //! Writes the last rows and the footer: every byte is uploaded (a part that cannot be sent
  //! fails here), nothing is visible yet.
  PartitionFile close_file();
  //! Makes the object visible, replacing the old one whole (S3: CompleteMultipartUpload).
  void commit();

 private:
  size_t sample_interval_index_;
  std::unique_ptr<ObjectUpload> upload_;
  HashingSink hashing_;
  // Before writer_, which sets them while it is built.
  const RollupWriter* rollup_ = nullptr;  // writer_, when the table is a rollup
  uint64_t file_rows_ = 0;                // rows that reached the file's writer
  std::unique_ptr<TableWriter> writer_;
  BatchPipeline pipeline_;  // after writer_ and upload_: stopped before they are destroyed
  PartitionFile result_;
};

}  // namespace aesync
