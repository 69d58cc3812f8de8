// Parquet metadata writing: the RowGroup struct of each written row group (its ColumnChunks,
// their ColumnMetaData and Statistics) and the footer (FileMetaData with the schema, the row
// groups, created_by and the column orders, then its 4-byte length and the closing magic), all
// Thrift compact (field ids: thrift_ids.h).
//
// What is written, per column type: String -> BYTE_ARRAY, UTF8 / LogicalType STRING; Timestamp
// -> INT64, TIMESTAMP_MILLIS / TIMESTAMP(UTC, MILLIS); Int64 -> INT64 and Double -> DOUBLE with
// no annotation (every reader maps them to a signed 64-bit integer / float64). Each mapping is a
// `switch` over ColumnType without `default:`, so a new column type does not compile until it
// is given one. ColumnChunk.file_offset is 0, as the current spec asks; every column has
// TYPE_ORDER (statistics in the type's order, see statistics.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/format.h"
#include "parquet/statistics.h"
#include "schema/schema.h"

namespace aesync::parquet {

//! A column of the file being written.
struct LeafColumn {
  std::string name;
  ColumnType type;
  bool nullable;
};

//! The physical type a column of `type` is written as.
PhysicalType physical_type(ColumnType type);

// Bits of ColumnChunkMeta::encodings, written in this order.
inline constexpr unsigned kEncPlainDictionary = 1u << 0;
inline constexpr unsigned kEncPlain = 1u << 1;
inline constexpr unsigned kEncRle = 1u << 2;
inline constexpr unsigned kEncDeltaBinaryPacked = 1u << 3;
inline constexpr unsigned kEncByteStreamSplit = 1u << 4;

//! The kEnc* bit of a data page value encoding (PLAIN, DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT,
//! or the dictionary's).
unsigned encoding_bit(Encoding encoding);

//! Encoding tag of the dictionary page and of the data pages that index it. PLAIN_DICTIONARY is
//! the tag of format-1 files with v1 data pages, which every reader we target accepts.
inline constexpr Encoding kDictionaryEncoding = Encoding::PLAIN_DICTIONARY;

//! What the footer needs to know about one written column chunk.
struct ColumnChunkMeta {
  unsigned encodings = 0;  //!< kEnc* bits
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  ChunkStatistics stats;
};

//! Appends the Thrift-encoded RowGroup of `num_rows` rows starting at file offset `file_offset`,
//! one ColumnChunk per column (`chunks[k]` is `columns[k]`'s), to `out`.
void append_row_group(std::string& out, const std::vector<LeafColumn>& columns,
                      const std::vector<ColumnChunkMeta>& chunks, Codec codec, int64_t num_rows, int64_t file_offset);

//! The file's closing bytes: FileMetaData (schema, `num_rows`, the `row_group_count` RowGroup
//! structs already encoded in `row_groups`, `created_by`, column orders), its length, "PAR1".
std::string file_footer(const std::vector<LeafColumn>& columns, uint64_t num_rows, size_t row_group_count,
                        std::string_view row_groups, std::string_view created_by);

}  // namespace aesync::parquet
