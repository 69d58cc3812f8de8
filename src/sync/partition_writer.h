// One partition's output in progress: raw rows in, a data object streamed to the store.
//
// Rows go through a BatchPipeline: mapped into small batches on the caller's thread, encoded on
// a second one (the writer cuts row groups of `row_group_rows`), so memory holds two small
// batches and one row group's compressed pages whatever the partition's size. Bytes are hashed on their way to the
// upload. finish() completes the file and commits the upload; destroying an unfinished
// PartitionWriter stops the pipeline and aborts the upload, leaving the previous object
// untouched.
//
// A window source checks each window before its rows may go into the file: begin_window() holds
// the rows appended after it in memory (mapped batches: one window's rows, `source.window_rows`
// when the histogram is right, on top of what the writer holds); accept_window() releases them
// to the writer; reject_window() discards them and rolls the counters (rows, sample weight,
// timestamps) back to where begin_window() found them, so the window can be read again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"
#include "schema/mapper.h"
#include "schema/row_batch.h"
#include "schema/table_writer.h"
#include "storage/object_store.h"
#include "sync/batch_pipeline.h"
#include "util/sha256.h"

namespace aesync {

struct PartitionFile {
  uint64_t rows = 0;
  int64_t sample_weight = 0;  //!< sum of _sample_interval
  uint64_t bytes = 0;
  std::string sha256;
  int64_t min_timestamp_ms = 0, max_timestamp_ms = 0;
  uint64_t out_of_order_rows = 0;  //!< rows whose timestamp is below an earlier row's
};

//! The raw columns a partition's rows must carry: the mapper's (timestamp first), then
//! _sample_interval if the mapping does not use it (manifests record the sample weight whatever
//! the mapping). Sets `sample_interval_index` to its position.
std::vector<RawColumn> partition_raw_columns(const Mapper& mapper, size_t& sample_interval_index);

class PartitionWriter {
 public:
  //! `sample_interval_index`: where _sample_interval sits in the raw rows given to append().
  PartitionWriter(const Config& config, const Mapper& mapper, size_t sample_interval_index,
                  std::unique_ptr<ObjectUpload> upload);
  ~PartitionWriter();

  void append(const RawRow& row);
  //! Holds the rows appended from now on until accept_window() or reject_window().
  void begin_window();
  //! Releases the held rows to the file.
  void accept_window();
  //! Drops the held rows, as if they had never been appended.
  void reject_window();
  //! Rows and sample weight appended so far (held ones included).
  uint64_t rows() const { return result_.rows; }
  int64_t sample_weight() const { return result_.sample_weight; }
  //! Writes the buffered rows as a row group now (memory pressure across partitions).
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
  std::unique_ptr<TableWriter> writer_;
  BatchPipeline pipeline_;  // after writer_ and upload_: stopped before they are destroyed
  PartitionFile result_;
  PartitionFile window_start_;  // result_ at begin_window()
};

}  // namespace aesync
