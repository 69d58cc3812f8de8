// What every output format implements: row batches in, bytes to a ByteSink out. The runner
// and `convert` drive a TableWriter without knowing whether it writes Parquet or CSV.
#pragma once

#include "schema/row_batch.h"

namespace aesync {

class TableWriter {
 public:
  virtual ~TableWriter() = default;
  //! Writes a non-empty batch (Parquet: appended to the row group in progress).
  virtual void write(const RowBatch& batch) = 0;
  //! Completes the file (footer, compressor flush). Nothing may be written after.
  virtual void close() = 0;
};

}  // namespace aesync
