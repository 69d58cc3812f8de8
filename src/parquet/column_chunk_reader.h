// Column chunk decoding: one chunk's pages (dictionary page, data pages v1 and v2; index and
// unknown pages skipped) into a ColumnBuffer, for ParquetReader::read_row_group().
//
// Per page: the PageHeader (Thrift compact, field ids: thrift_ids.h), the body decompressed
// with the chunk's codec, definition levels (RLE, or the deprecated BIT_PACKED in v1 pages),
// then the values: PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY (indices into the chunk's
// dictionary page), DELTA_BINARY_PACKED integers (delta_binary_packed.h), DELTA_LENGTH_BYTE_ARRAY
// and DELTA_BYTE_ARRAY byte arrays (delta_byte_array.h), BYTE_STREAM_SPLIT numbers and
// fixed-size byte arrays, and RLE booleans, converted to the column's ColumnType (see
// parquet_reader.h for the mapping). A page body of zero bytes is empty, never decompressed (no
// codec's output is empty; parquet-mr 1.13 writes such v2 pages), nor is a v2 page whose values
// take 0 bytes.
//
// Input is untrusted: every length, count and index is checked against what is there, and a
// failure is a FormatError naming the row group, column and the page's byte offset. Memory is
// charged to a DecodeBudget shared by the row group's chunks before it is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parquet/parquet_reader.h"
#include "schema/row_batch.h"

namespace aesync::parquet {

//! The memory a row group may decode into (values, expanded strings, page buffers):
//! max(256 MiB, 1024 x the file's size).
struct DecodeBudget {
  uint64_t limit = 0;
  uint64_t used = 0;
  uint64_t file_size = 0;
  static DecodeBudget for_file(uint64_t file_size);
};

//! Decodes the chunk of `column` in row group `row_group`, whose bytes `data` start at file
//! offset `base`, appending its values to `out` (typed and nullable as the column reads).
void decode_column_chunk(const SchemaColumn& column, const ColumnChunkInfo& chunk, size_t row_group,
                         std::string_view data, uint64_t base, DecodeBudget& budget, ColumnBuffer& out);

}  // namespace aesync::parquet
