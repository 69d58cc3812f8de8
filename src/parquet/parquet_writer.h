// Parquet writer: row batches in, a Parquet file out as a byte stream.
//
// Pipeline. Batches are appended to the row group in progress; each batch, column by column
// (the columns shared between the caller's thread and one helper thread):
//   1. analyse   statistics (min/max/null_count) accumulated over the row group, and values
//                offered to the chunk's dictionary: strings keep one while it stays under
//                `dictionary_limit_bytes` (past it, the rest of the chunk is PLAIN); numbers
//                keep one while the values look repetitive (not ~all distinct, under the limit);
//   2. encode    definition levels (nullable columns, RLE/bit-packed hybrid) and values
//                (dictionary indices, and for numbers PLAIN alongside), data pages v1 of at most
//                ~`page_bytes` (a page never spans two batches);
//   3. compress  each page body with the file's codec; pages are held per chunk, compressed.
// When the row group is full (`row_group_rows`, or `row_group_bytes` of held pages) or at
// close():
//   4. write     per column the dictionary page (its entries are complete only now), then its
//                data pages; a number column gets the smaller of dictionary and PLAIN (sorted
//                timestamps squeeze better PLAIN, percentages as a dictionary); then the chunk's
//                ColumnMetaData; the row group's metadata is encoded at once, kept for the footer.
// close() writes FileMetaData (Thrift compact), its length and the closing magic.
//
// Components: this file schedules batches and row groups; column_chunk_writer.h holds the
// per-column encode/write phases (string_chunk_writer.h, fixed_width_chunk_writer.h), and
// file_metadata_writer.h the RowGroup and footer Thrift (field ids: thrift_ids.h).
//
// Encodings: dictionary pages hold PLAIN entries and data pages that index them are tagged
// PLAIN_DICTIONARY (the format-1 tag, read by ClickHouse, DuckDB and arrow-rs). Int64 and
// Double carry no type annotation (they read as Int64/BIGINT and Float64/DOUBLE).
// ColumnChunk.file_offset is 0, as the current spec asks.
//
// Misuse is a std::logic_error: an empty batch, a batch not laid out as the schema, a call
// after close() or after a write that threw (the output is then incomplete). Destroying a
// writer without close() leaves the output without a footer.
//
// Guarantees: the sink receives bytes strictly in order (no seek), so it may be a file, stdout
// or an upload; memory holds the row group's compressed pages (bounded by `row_group_bytes`)
// and dictionaries, not its rows; the output does not depend on batch boundaries other than
// where pages are cut, nor on `parallel`; no empty row groups or pages; statistics follow
// docs/parquet.md (NaN excluded, -0.0/+0.0, unsigned byte order for strings, exact
// null_count, strings over 4 KiB omitted); LogicalType and ConvertedType both written;
// timestamps are INT64 TIMESTAMP(UTC, MILLIS).
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
  //! zstd level / gzip level; ignored otherwise. zstd 1: on machine metrics ~2% larger files
  //! than level 3 for ~20% less encoding time (bench/results); gzip levels are clamped to 1..9.
  int compression_level = 1;
  size_t page_bytes = 1 << 20;                //!< target uncompressed size of a data page
  size_t dictionary_limit_bytes = 1 << 20;    //!< plain fallback past this dictionary size
  uint64_t row_group_rows = 262144;           //!< append(): rows of a row group
  size_t row_group_bytes = size_t{32} << 20;  //!< append(): a row group also ends at this many encoded bytes
  bool parallel = true;                       //!< encode columns on two threads
  size_t max_statistics_bytes = 4096;         //!< string min/max longer than this are omitted
  std::string created_by;                     //!< default: aesync::created_by()
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

  //! Appends `batch` (laid out as `schema`, batch.rows > 0) to the row group in progress; a
  //! row group is written out once it holds `row_group_rows` rows (a batch may span two) or
  //! `row_group_bytes` of encoded pages.
  void append(const RowBatch& batch);
  //! Writes the row group in progress, if any, then `batch` as one row group of its own.
  void write_row_group(const RowBatch& batch);
  //! Writes the footer. A file with no row group is valid (schema, num_rows = 0).
  void close();

  //! Rows given so far (written or in the row group in progress).
  uint64_t rows_written() const;
  size_t row_groups_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aesync::parquet
