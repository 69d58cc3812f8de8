// Thrift field ids of the Parquet metadata structs (apache/parquet-format, parquet.thrift), one
// place for the writer (file_metadata_writer, column_chunk_writer) and the reader
// (file_metadata_reader, column_chunk_reader). Only the fields aesync writes or reads; values
// are the spec's and never change (they are the wire format).
//
// One namespace per Thrift struct, named as in parquet.thrift: `field::ColumnMetaData::kCodec`
// is field 4 of struct ColumnMetaData. Union members (LogicalType, TimeUnit, ColumnOrder) are
// fields too: the one set says which alternative the value is.
#pragma once

#include <cstdint>

namespace aesync::parquet::field {

namespace FileMetaData {
inline constexpr int16_t kVersion = 1;
inline constexpr int16_t kSchema = 2;
inline constexpr int16_t kNumRows = 3;
inline constexpr int16_t kRowGroups = 4;
inline constexpr int16_t kCreatedBy = 6;
inline constexpr int16_t kColumnOrders = 7;
}  // namespace FileMetaData

namespace SchemaElement {
inline constexpr int16_t kType = 1;
inline constexpr int16_t kTypeLength = 2;
inline constexpr int16_t kRepetitionType = 3;
inline constexpr int16_t kName = 4;
inline constexpr int16_t kNumChildren = 5;
inline constexpr int16_t kConvertedType = 6;
inline constexpr int16_t kScale = 7;      //!< DECIMAL's, with ConvertedType DECIMAL
inline constexpr int16_t kPrecision = 8;  //!< DECIMAL's, with ConvertedType DECIMAL
inline constexpr int16_t kLogicalType = 10;
}  // namespace SchemaElement

//! Union: each member is an (often empty) struct; ids 1..18 in the spec's order.
namespace LogicalType {
inline constexpr int16_t kString = 1;
inline constexpr int16_t kEnum = 4;
inline constexpr int16_t kDecimal = 5;
inline constexpr int16_t kDate = 6;
inline constexpr int16_t kTime = 7;
inline constexpr int16_t kTimestamp = 8;
inline constexpr int16_t kInteger = 10;
inline constexpr int16_t kJson = 12;
inline constexpr int16_t kUuid = 14;
inline constexpr int16_t kFloat16 = 15;
inline constexpr int16_t kLast = 18;  //!< GEOGRAPHY, the highest id the spec defines
}  // namespace LogicalType

namespace DecimalType {
inline constexpr int16_t kScale = 1;
inline constexpr int16_t kPrecision = 2;
}  // namespace DecimalType

//! TimeType and TimestampType share their layout.
namespace TimestampType {
inline constexpr int16_t kIsAdjustedToUtc = 1;
inline constexpr int16_t kUnit = 2;
}  // namespace TimestampType

//! Union of empty structs.
namespace TimeUnit {
inline constexpr int16_t kMillis = 1;
inline constexpr int16_t kMicros = 2;
inline constexpr int16_t kNanos = 3;
}  // namespace TimeUnit

namespace IntType {
inline constexpr int16_t kBitWidth = 1;
inline constexpr int16_t kIsSigned = 2;
}  // namespace IntType

namespace RowGroup {
inline constexpr int16_t kColumns = 1;
inline constexpr int16_t kTotalByteSize = 2;
inline constexpr int16_t kNumRows = 3;
inline constexpr int16_t kFileOffset = 5;
inline constexpr int16_t kTotalCompressedSize = 6;
}  // namespace RowGroup

namespace ColumnChunk {
inline constexpr int16_t kFilePath = 1;
inline constexpr int16_t kFileOffset = 2;
inline constexpr int16_t kMetaData = 3;
}  // namespace ColumnChunk

namespace ColumnMetaData {
inline constexpr int16_t kType = 1;
inline constexpr int16_t kEncodings = 2;
inline constexpr int16_t kPathInSchema = 3;
inline constexpr int16_t kCodec = 4;
inline constexpr int16_t kNumValues = 5;
inline constexpr int16_t kTotalUncompressedSize = 6;
inline constexpr int16_t kTotalCompressedSize = 7;
inline constexpr int16_t kDataPageOffset = 9;
inline constexpr int16_t kDictionaryPageOffset = 11;
inline constexpr int16_t kStatistics = 12;
}  // namespace ColumnMetaData

namespace Statistics {
inline constexpr int16_t kMax = 1;  //!< deprecated (signed order)
inline constexpr int16_t kMin = 2;  //!< deprecated (signed order)
inline constexpr int16_t kNullCount = 3;
inline constexpr int16_t kDistinctCount = 4;
inline constexpr int16_t kMaxValue = 5;
inline constexpr int16_t kMinValue = 6;
inline constexpr int16_t kIsMaxValueExact = 7;
inline constexpr int16_t kIsMinValueExact = 8;
inline constexpr int16_t kNanCount = 9;
}  // namespace Statistics

//! Union: TYPE_ORDER is an empty struct.
namespace ColumnOrder {
inline constexpr int16_t kTypeOrder = 1;
}  // namespace ColumnOrder

namespace PageHeader {
inline constexpr int16_t kType = 1;
inline constexpr int16_t kUncompressedPageSize = 2;
inline constexpr int16_t kCompressedPageSize = 3;
inline constexpr int16_t kDataPageHeader = 5;
inline constexpr int16_t kDictionaryPageHeader = 7;
inline constexpr int16_t kDataPageHeaderV2 = 8;
}  // namespace PageHeader

namespace DataPageHeader {
inline constexpr int16_t kNumValues = 1;
inline constexpr int16_t kEncoding = 2;
inline constexpr int16_t kDefinitionLevelEncoding = 3;
inline constexpr int16_t kRepetitionLevelEncoding = 4;
}  // namespace DataPageHeader

namespace DataPageHeaderV2 {
inline constexpr int16_t kNumValues = 1;
inline constexpr int16_t kNumNulls = 2;
inline constexpr int16_t kEncoding = 4;
inline constexpr int16_t kDefinitionLevelsByteLength = 5;
inline constexpr int16_t kRepetitionLevelsByteLength = 6;
inline constexpr int16_t kIsCompressed = 7;
}  // namespace DataPageHeaderV2

namespace DictionaryPageHeader {
inline constexpr int16_t kNumValues = 1;
inline constexpr int16_t kEncoding = 2;
}  // namespace DictionaryPageHeader

}  // namespace aesync::parquet::field
