#include "parquet/file_metadata_writer.h"

#include <bit>
#include <stdexcept>

#include "parquet/parquet_reader.h"
#include "parquet/thrift_compact_writer.h"
#include "parquet/thrift_ids.h"

namespace aesync::parquet {

PhysicalType physical_type(ColumnType type) {
  switch (type) {
    case ColumnType::String: return PhysicalType::BYTE_ARRAY;
    case ColumnType::Double: return PhysicalType::DOUBLE;
    case ColumnType::Int64:
    case ColumnType::Timestamp: return PhysicalType::INT64;
  }
  return PhysicalType::BYTE_ARRAY;
}

unsigned encoding_bit(Encoding encoding) {
  switch (encoding) {
    case Encoding::PLAIN: return kEncPlain;
    case Encoding::DELTA_BINARY_PACKED: return kEncDeltaBinaryPacked;
    case Encoding::BYTE_STREAM_SPLIT: return kEncByteStreamSplit;
    case kDictionaryEncoding: return kEncPlainDictionary;
    default: throw std::logic_error("ColumnMetaData.encodings: the writer never writes " + name_of(encoding));
  }
}

namespace {

void write_statistics(ThriftCompactWriter& w, int16_t field_id, const ChunkStatistics& st) {
  namespace id = field::Statistics;
  w.field_struct(field_id);
  if (st.min_value && st.legacy_min_max) {
    w.field_binary(id::kMax, *st.max_value);
    w.field_binary(id::kMin, *st.min_value);
  }
  w.field_i64(id::kNullCount, st.null_count);
  if (st.min_value) {
    w.field_binary(id::kMaxValue, *st.max_value);
    w.field_binary(id::kMinValue, *st.min_value);
    // The bounds are the actual values, never truncated (too long -> omitted).
    w.field_bool(id::kIsMaxValueExact, true);
    w.field_bool(id::kIsMinValueExact, true);
  }
  if (st.nan_count) w.field_i64(id::kNanCount, *st.nan_count);
  w.end_struct();
}

void write_column_meta_data(ThriftCompactWriter& w, int16_t field_id, const LeafColumn& column,
                            const ColumnChunkMeta& m, Codec codec) {
  namespace id = field::ColumnMetaData;
  w.field_struct(field_id);
  w.field_i32(id::kType, static_cast<int32_t>(physical_type(column.type)));
  w.field_list(id::kEncodings, ThriftType::I32, static_cast<size_t>(std::popcount(m.encodings)));
  if (m.encodings & kEncPlainDictionary) w.i32(static_cast<int32_t>(kDictionaryEncoding));
  if (m.encodings & kEncPlain) w.i32(static_cast<int32_t>(Encoding::PLAIN));
  if (m.encodings & kEncDeltaBinaryPacked) w.i32(static_cast<int32_t>(Encoding::DELTA_BINARY_PACKED));
  if (m.encodings & kEncByteStreamSplit) w.i32(static_cast<int32_t>(Encoding::BYTE_STREAM_SPLIT));
  if (m.encodings & kEncRle) w.i32(static_cast<int32_t>(Encoding::RLE));
  w.field_list(id::kPathInSchema, ThriftType::BINARY, 1);
  w.binary(column.name);
  w.field_i32(id::kCodec, static_cast<int32_t>(codec));
  w.field_i64(id::kNumValues, m.num_values);
  w.field_i64(id::kTotalUncompressedSize, m.total_uncompressed_size);
  w.field_i64(id::kTotalCompressedSize, m.total_compressed_size);
  w.field_i64(id::kDataPageOffset, m.data_page_offset);
  if (m.dictionary_page_offset) w.field_i64(id::kDictionaryPageOffset, *m.dictionary_page_offset);
  write_statistics(w, id::kStatistics, m.stats);
  w.end_struct();
}

// The type annotations of a leaf SchemaElement: ConvertedType and LogicalType both, for old
// and new readers.
void write_annotations(ThriftCompactWriter& w, ColumnType type) {
  namespace id = field::SchemaElement;
  switch (type) {
    case ColumnType::String:
      w.field_i32(id::kConvertedType, static_cast<int32_t>(ConvertedType::UTF8));
      w.field_struct(id::kLogicalType);
      w.field_struct(field::LogicalType::kString);  // StringType {}
      w.end_struct();
      w.end_struct();
      return;
    case ColumnType::Timestamp:
      w.field_i32(id::kConvertedType, static_cast<int32_t>(ConvertedType::TIMESTAMP_MILLIS));
      w.field_struct(id::kLogicalType);
      w.field_struct(field::LogicalType::kTimestamp);
      w.field_bool(field::TimestampType::kIsAdjustedToUtc, true);
      w.field_struct(field::TimestampType::kUnit);
      w.field_struct(field::TimeUnit::kMillis);  // MilliSeconds {}
      w.end_struct();
      w.end_struct();
      w.end_struct();
      w.end_struct();
      return;
    case ColumnType::Int64:
    case ColumnType::Double:
      // No annotation: every reader maps plain INT64 / DOUBLE to a signed 64-bit integer / float64.
      return;
  }
}

}  // namespace

void append_row_group(std::string& out, const std::vector<LeafColumn>& columns,
                      const std::vector<ColumnChunkMeta>& chunks, Codec codec, int64_t num_rows, int64_t file_offset) {
  namespace id = field::RowGroup;
  int64_t total_uncompressed = 0, total_compressed = 0;
  for (const ColumnChunkMeta& m : chunks) {
    total_uncompressed += m.total_uncompressed_size;
    total_compressed += m.total_compressed_size;
  }
  ThriftCompactWriter w(out);
  w.begin_struct();  // RowGroup
  w.field_list(id::kColumns, ThriftType::STRUCT, columns.size());
  for (size_t k = 0; k < columns.size(); ++k) {
    w.begin_struct();  // ColumnChunk
    // file_offset: deprecated; 0 = "no ColumnMetaData outside the footer" (current spec).
    w.field_i64(field::ColumnChunk::kFileOffset, 0);
    write_column_meta_data(w, field::ColumnChunk::kMetaData, columns[k], chunks[k], codec);
    w.end_struct();  // ColumnChunk
  }
  w.field_i64(id::kTotalByteSize, total_uncompressed);
  w.field_i64(id::kNumRows, num_rows);
  w.field_i64(id::kFileOffset, file_offset);
  w.field_i64(id::kTotalCompressedSize, total_compressed);
  w.end_struct();  // RowGroup
}

std::string file_footer(const std::vector<LeafColumn>& columns, uint64_t num_rows, size_t row_group_count,
                        std::string_view row_groups, std::string_view created_by) {
  namespace id = field::FileMetaData;
  namespace element = field::SchemaElement;
  std::string meta;
  meta.reserve(row_groups.size() + 256 + 64 * columns.size());
  ThriftCompactWriter w(meta);
  w.begin_struct();  // FileMetaData
  w.field_i32(id::kVersion, 1);
  w.field_list(id::kSchema, ThriftType::STRUCT, columns.size() + 1);
  w.begin_struct();  // root SchemaElement
  w.field_binary(element::kName, "schema");
  w.field_i32(element::kNumChildren, static_cast<int32_t>(columns.size()));
  w.end_struct();
  for (const LeafColumn& col : columns) {
    w.begin_struct();  // leaf SchemaElement
    w.field_i32(element::kType, static_cast<int32_t>(physical_type(col.type)));
    w.field_i32(element::kRepetitionType,
                static_cast<int32_t>(col.nullable ? Repetition::OPTIONAL : Repetition::REQUIRED));
    w.field_binary(element::kName, col.name);
    write_annotations(w, col.type);
    w.end_struct();
  }
  w.field_i64(id::kNumRows, static_cast<int64_t>(num_rows));
  w.field_list(id::kRowGroups, ThriftType::STRUCT, row_group_count);
  w.raw(row_groups);
  w.field_binary(id::kCreatedBy, created_by);
  w.field_list(id::kColumnOrders, ThriftType::STRUCT, columns.size());
  for (size_t k = 0; k < columns.size(); ++k) {
    w.begin_struct();                                // ColumnOrder
    w.field_struct(field::ColumnOrder::kTypeOrder);  // TypeDefinedOrder {}
    w.end_struct();
    w.end_struct();
  }
  w.end_struct();  // FileMetaData

  put_u32(meta, static_cast<uint32_t>(meta.size()));
  meta.append(kMagic, 4);
  return meta;
}

}  // namespace aesync::parquet
