// Parquet writer: row batches in, a Parquet file out as a byte stream.
//
// Pipeline, per row group (modelled on DuckDB's explicit column-writer phases):
//   1. analyse   each column's values: statistics (min/max/null_count), and for strings a
//                dictionary that is kept while it stays under `dictionary_limit_bytes`
//                (else the whole column chunk is PLAIN; a chunk with no value is PLAIN too);
//   2. encode    definition levels (nullable columns, RLE/bit-packed hybrid) and values
//                (dictionary indices or PLAIN), cut into data pages v1 of ~`page_bytes`;
//   3. compress  each page body with the file's codec, write PageHeader + body to the sink;
//   4. finalise  the column chunk's ColumnMetaData (offsets, sizes, encodings, statistics);
//                the row group's metadata is encoded at once and kept for the footer.
// close() writes FileMetaData (Thrift compact), its length and the closing magic.
//
// Encodings: strings use a dictionary page (PLAIN entries) and data pages tagged
// PLAIN_DICTIONARY (the format-1 tag, read by ClickHouse, DuckDB and arrow-rs); doubles and
// int64 are PLAIN. Int64 and Double carry no type annotation (they read as Int64/BIGINT and
// Float64/DOUBLE). ColumnChunk.file_offset is 0, as the current spec asks.
//
// Misuse is a std::logic_error: an empty batch, a batch not laid out as the schema, a call
// after close() or after a write that threw (the output is then incomplete). Destroying a
// writer without close() leaves the output without a footer.
//
// Guarantees: the sink receives bytes strictly in order (no seek), so it may be a file, stdout
// or an upload; memory holds one row group's encoded column chunk at a time plus the batch the
// caller owns; no empty row groups or pages; statistics follow notes/parquet.md (NaN excluded,
// -0.0/+0.0, unsigned byte order for strings, exact null_count, strings over 4 KiB omitted);
// LogicalType and ConvertedType both written; timestamps are INT64 TIMESTAMP(UTC, MILLIS).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "parquet/format.h"
#include "schema/row_batch.h"
#include "schema/schema.h"
#include "util/byte_sink.h"

namespace aesync::parquet {

struct WriterOptions {
  Codec codec = Codec::ZSTD;
  int compression_level = 3;                   //!< zstd level / gzip level; ignored otherwise
  size_t page_bytes = 1 << 20;                 //!< target uncompressed size of a data page
  size_t dictionary_limit_bytes = 1 << 20;     //!< plain fallback past this dictionary size
  size_t max_statistics_bytes = 4096;          //!< string min/max longer than this are omitted
  std::string created_by;                      //!< default: aesync::created_by()
};

//! Maps the config's compression name ("zstd", "snappy", "gzip", "none"); nullopt if unknown.
std::optional<Codec> codec_from_name(std::string_view name);

class ParquetWriter {
 public:
  //! Writes the leading magic at once. Column names and types come from `schema`.
  ParquetWriter(const Schema& schema, WriterOptions options, ByteSink& sink);
  ~ParquetWriter();
  ParquetWriter(const ParquetWriter&) = delete;
  ParquetWriter& operator=(const ParquetWriter&) = delete;

  //! Writes `batch` (laid out as `schema`, batch.rows > 0) as one row group.
  void write_row_group(const RowBatch& batch);
  //! Writes the footer. A file with no row group is valid (schema, num_rows = 0).
  void close();

  uint64_t rows_written() const;
  size_t row_groups_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aesync::parquet
