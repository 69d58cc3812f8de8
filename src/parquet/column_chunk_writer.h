// Column chunk writers: the encode and write phases of one column of the row group in progress.
//
// One writer per column, made by make_column_chunk_writer() from the column's type with an
// exhaustive `switch (ColumnType)` (no `default:`): a new column type is a compile error until
// it is given an encoder, never silently the 8-byte path. Two encoders:
//   - StringChunkWriter (string_chunk_writer.h): BYTE_ARRAY values, a string dictionary while it
//     stays under `dictionary_limit_bytes`, then PLAIN for the rest of the chunk;
//   - FixedWidthChunkWriter<T> (fixed_width_chunk_writer.h): 8-byte DOUBLE / INT64 values
//     (Double; Int64 and Timestamp), dictionary, PLAIN and BYTE_STREAM_SPLIT (doubles) or
//     DELTA_BINARY_PACKED (integers) tried side by side, the smallest kept.
//
// Phases, per row group:
//   encode()  per batch (on either encoding thread, one column on one thread at a time):
//             statistics, dictionary, then data pages v1 of at most ~`page_bytes` (definition
//             levels, then dictionary indices or the values PLAIN / BYTE_STREAM_SPLIT /
//             DELTA_BINARY_PACKED), compressed and held in PageRuns;
//   write()   when the row group is written out: the dictionary page (its entries are complete
//             only now), the data pages, in file order to `out`; returns the chunk's metadata for
//             the footer (file_metadata_writer.h) and starts the next row group's chunk.
// Type-dependent work is chosen once per batch or page (virtual calls), never per value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parquet/compression.h"
#include "parquet/file_metadata_writer.h"
#include "parquet/parquet_writer.h"
#include "schema/row_batch.h"
#include "util/byte_sink.h"

namespace aesync::parquet {

//! Pages of one encoding of a column chunk, compressed, held until the row group is written (a
//! chunk's pages must be contiguous and its dictionary page first, and the dictionary is only
//! complete once the row group is).
struct PageRun {
  //! PageHeader + body of each page, in order, each in a string of its exact size: held pages
  //! are the writer's memory bound, and one growing string would hold up to twice them.
  std::vector<std::string> pages;
  size_t bytes = 0;          //!< their total size (total_compressed_size)
  int64_t uncompressed = 0;  //!< headers + uncompressed bodies (total_uncompressed_size)
  //! A new, empty page at the end.
  std::string& add() { return pages.emplace_back(); }
  void clear() {
    pages.clear();
    bytes = 0;
    uncompressed = 0;
  }
};

//! What one encoding thread reuses between pages.
struct PageScratch {
  PageScratch(Codec codec, int level) : compressor(codec, level) {}
  Compressor compressor;
  std::string body, compressed, header;
  std::vector<uint32_t> indices;  //!< dictionary indices of the batch's non-null values
  std::vector<uint64_t> present;  //!< a page's non-null 8-byte values, gathered for an encoder
};

//! The file being written, as the chunk writers see it: bytes in order, and the offset reached.
struct FileOutput {
  explicit FileOutput(ByteSink& s) : sink(s) {}
  ByteSink& sink;
  uint64_t offset = 0;  //!< bytes written so far = the current file offset
  void write(std::string_view bytes) {
    sink.write(bytes.data(), bytes.size());
    offset += bytes.size();
  }
};

class ColumnChunkWriter {
 public:
  virtual ~ColumnChunkWriter() = default;
  ColumnChunkWriter(const ColumnChunkWriter&) = delete;
  ColumnChunkWriter& operator=(const ColumnChunkWriter&) = delete;

  //! Encodes rows [begin, end) of `values` (this column of a batch) into the chunk.
  virtual void encode(const ColumnBuffer& values, size_t begin, size_t end, PageScratch& s) = 0;
  //! Writes the chunk to `out` (dictionary page, then data pages) and returns its metadata;
  //! the writer then holds the next row group's (empty) chunk.
  virtual ColumnChunkMeta write(FileOutput& out, PageScratch& s) = 0;

  const LeafColumn& column() const { return column_; }
  //! Compressed page bytes held for the row group in progress.
  size_t buffered_bytes() const { return indexed_.bytes + plain_.bytes + encoded_.bytes; }

 protected:
  ColumnChunkWriter(LeafColumn column, const WriterOptions& options) : column_(std::move(column)), options_(options) {}

  //! Even a page of 1-bit indices stays far below the i32 limits of a page header.
  static constexpr size_t kMaxPageRows = size_t{1} << 28;

  //! End of the PLAIN page that starts at row `begin` (at most `end`): about `page_bytes` of
  //! encoded values, at least one row.
  virtual size_t plain_page_end(const ColumnBuffer& values, size_t begin, size_t end) const = 0;
  //! Appends the PLAIN encoding of the `present` non-null values of rows [begin, end) to `body`
  //! (`defined`: null for a REQUIRED column).
  virtual void append_plain(const ColumnBuffer& values, const uint8_t* defined, size_t begin, size_t end,
                            size_t present, std::string& body) const = 0;
  //! Appends the values of rows [begin, end) in `encoding` (neither PLAIN nor a dictionary's) to
  //! `body`; only the writers that choose such an encoding implement it (the default throws).
  virtual void append_encoded(const ColumnBuffer& values, const uint8_t* defined, size_t begin, size_t end,
                              size_t present, Encoding encoding, PageScratch& s, std::string& body) const;

  //! Compresses `s.body` into a page (header + body) appended to `out`; returns the header plus
  //! uncompressed body size. `data_page` selects the header kind (else a dictionary page).
  int64_t make_page(PageScratch& s, bool data_page, int32_t num_values, Encoding encoding, std::string& out) const;
  //! Data pages of rows [begin, end) into `run`: dictionary indices (`encoding` ==
  //! kDictionaryEncoding: `s.indices`, one per non-null row, from a dictionary of
  //! `dictionary_size` entries) or the values in `encoding` (PLAIN or append_encoded()'s).
  void write_data_pages(PageScratch& s, const ColumnBuffer& values, size_t begin, size_t end, Encoding encoding,
                        size_t dictionary_size, PageRun& run) const;
  //! Writes `dictionary_page` (null: none) then the indexed pages it serves, then the pages of
  //! `value_pages` (null: none; `plain_` or `encoded_`) in `value_encoding`; the metadata of what
  //! was written (statistics left to the caller).
  ColumnChunkMeta write_pages(FileOutput& out, const std::string* dictionary_page, int64_t dictionary_uncompressed,
                              const PageRun* value_pages, Encoding value_encoding) const;
  //! Forgets the written chunk's rows, counts and pages (the subclass resets its own state).
  void reset_pages();

  const LeafColumn column_;
  const WriterOptions& options_;
  int64_t rows_ = 0;
  int64_t nulls_ = 0;
  bool dictionary_alive_ = true;  //!< values still go to the dictionary
  PageRun indexed_;               //!< data pages of dictionary indices
  PageRun plain_;                 //!< PLAIN data pages
  PageRun encoded_;               //!< data pages of another value encoding (BYTE_STREAM_SPLIT, ...)
};

//! The writer for a column of `column.type`; `options` must outlive it.
std::unique_ptr<ColumnChunkWriter> make_column_chunk_writer(const LeafColumn& column, const WriterOptions& options);

//! Encoding threads take the costliest columns first: fixed-width numbers (every candidate
//! encoding written while on trial) before strings. Lower is earlier.
int encoding_priority(ColumnType type);

}  // namespace aesync::parquet
