// Parquet reader: enough of the format to inspect and verify the files aesync writes (and
// files from other writers that use the same features): the footer (FileMetaData in Thrift
// compact), schema, row groups, column chunk metadata with statistics, and the values of
// data pages v1/v2 with PLAIN / PLAIN_DICTIONARY / RLE_DICTIONARY encodings (plus
// DELTA_BINARY_PACKED integers, DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY byte arrays and RLE
// booleans, which v2 writers such as DuckDB, parquet-mr and arrow-rs emit, and BYTE_STREAM_SPLIT
// numbers, which aesync writes for doubles), any codec aesync
// writes, for flat schemas of BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, DOUBLE, FLOAT, INT96, INT64,
// INT32, BOOLEAN columns.
//
// Input is untrusted: every length and offset is bounds-checked, a malformed file is a
// FormatError naming what is wrong and where (byte offset, row group, column).
//
// Value mapping (read_row_group): BYTE_ARRAY -> String; FIXED_LEN_BYTE_ARRAY and INT96 ->
// String holding each value's type_length / 12 plain bytes (value_text.h gives their meaning);
// DOUBLE, FLOAT -> Double; INT64 -> Timestamp (milliseconds, MICROS/NANOS floored) when
// annotated TIMESTAMP, else Int64; INT32 -> Int64 (zero-extended when annotated unsigned);
// BOOLEAN -> Int64 0/1. DECIMAL INT32/INT64 columns read as their unscaled Int64, DECIMAL byte
// forms as their big-endian bytes. Nested schemas (groups, repeated fields) are refused when the
// footer is parsed. Encrypted files ("PARE" magic, or chunks without plaintext metadata) are
// refused as such. A chunk of 0 values is never read (writers may give it no offsets at all).
//
// Memory: the footer, then one column chunk at a time plus the row group being built. A row
// group may decode to at most max(256 MiB, 1024 x the file's size) (values, expanded strings,
// page buffers): past that, read_row_group() is a FormatError, so a small hostile file whose
// RLE runs or dictionary claim billions of values cannot make the reader allocate gigabytes.
//
// Components: file_metadata_reader.h decodes the footer, column_chunk_reader.h a chunk's pages
// and values, with the value decoders delta_binary_packed.h and rle_hybrid_decoder.h (field
// ids: thrift_ids.h); value_text.h gives the exact text of annotated values (DECIMAL, INT96,
// UUID, FLOAT16, TIMESTAMP/TIME units); this file opens the file and checks where chunks lie.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/format.h"
#include "schema/row_batch.h"

namespace aesync::parquet {

struct Statistics {
  std::optional<std::string> min_value, max_value;  //!< plain-encoded bytes
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
  //! min/max came from the deprecated `min`/`max` fields (min_value/max_value were absent);
  //! such values were ordered as signed bytes by old writers.
  bool deprecated_min_max = false;
};

struct ColumnChunkInfo {
  std::string path;  //!< column name
  PhysicalType type{};
  Codec codec{};
  std::vector<Encoding> encodings;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  Statistics statistics;
};

struct RowGroupInfo {
  int64_t num_rows = 0;
  int64_t total_byte_size = 0;
  std::optional<int64_t> file_offset;
  std::vector<ColumnChunkInfo> columns;
};

enum class TimeUnit : uint8_t { MILLIS, MICROS, NANOS };

//! DECIMAL(precision, scale), from the LogicalType or the ConvertedType with the element's
//! precision and scale; checked when the footer is read: 1 <= precision <= kMaxDecimalPrecision,
//! 0 <= scale <= precision, on INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY.
struct DecimalType {
  int32_t precision = 0;
  int32_t scale = 0;
};
//! The digits 64 bytes of two's complement hold (value_text.h reads up to 64).
inline constexpr int32_t kMaxDecimalPrecision = 154;

struct SchemaColumn {
  std::string name;
  PhysicalType type{};
  Repetition repetition{};
  std::optional<ConvertedType> converted_type;  //!< may hold values format.h does not name
  //! e.g. "STRING", "TIMESTAMP(MILLIS,UTC)", "DECIMAL(9,2)" (also from a ConvertedType DECIMAL),
  //! "" when absent
  std::string logical_type;
  // Decoded annotations the reader and `inspect` act on:
  std::optional<TimeUnit> timestamp_unit;  //!< TIMESTAMP (logical or converted type)
  bool is_unsigned = false;                //!< INTEGER(n,unsigned) or UINT_n
  std::optional<int32_t> type_length;      //!< FIXED_LEN_BYTE_ARRAY width
  std::optional<DecimalType> decimal;      //!< DECIMAL (logical or converted type)
  bool is_text = false;                    //!< STRING, ENUM, JSON (or UTF8, ENUM, JSON): bytes that are text
  bool is_uuid = false;                    //!< UUID (FIXED_LEN_BYTE_ARRAY(16))
  bool is_float16 = false;                 //!< FLOAT16 (FIXED_LEN_BYTE_ARRAY(2))
  bool is_date = false;                    //!< DATE (INT32 days since 1970-01-01)
  std::optional<TimeUnit> time_unit;       //!< TIME (INT32 MILLIS, INT64 MICROS/NANOS of the day)
};

struct FileMetadata {
  int32_t version = 0;
  int64_t num_rows = 0;
  std::string created_by;
  std::vector<SchemaColumn> columns;  //!< leaf columns in order
  std::vector<RowGroupInfo> row_groups;
  bool has_column_orders = false;
  uint64_t file_size = 0;
};

class ParquetReader {
 public:
  //! Opens and parses the footer. Throws FormatError / StorageError (cannot open).
  explicit ParquetReader(const std::string& path);
  //! Reads a file held in memory; `name` stands for the path in error messages.
  static ParquetReader from_bytes(std::string bytes, std::string name = "<memory>");

  const FileMetadata& metadata() const { return meta_; }
  //! How TIMESTAMP columns are read: Timestamp milliseconds (MICROS/NANOS floored), or Int64
  //! values as stored, in the column's unit (what `inspect` shows exactly).
  enum class Timestamps : uint8_t { Millis, AsStored };
  //! Decodes one row group into columnar buffers (types: see the mapping above;
  //! nullable = OPTIONAL). Throws FormatError naming the row group, column and byte offset.
  RowBatch read_row_group(size_t index, Timestamps timestamps = Timestamps::Millis) const;

 private:
  ParquetReader() = default;
  void parse_footer();
  //! Bytes [offset, offset + size) of the file; the caller has bounds-checked them.
  std::string read_range(uint64_t offset, uint64_t size) const;

  std::string path_;
  FileMetadata meta_;
  std::shared_ptr<const std::string> bytes_;  //!< the whole file, when read from memory
};

//! Milliseconds from a timestamp in `unit`, rounded toward negative infinity (so an instant
//! before the epoch stays in its millisecond).
int64_t timestamp_to_millis(int64_t value, TimeUnit unit);

//! The ColumnType read_row_group() produces for a column; FormatError if it cannot be read.
ColumnType column_type_of(const SchemaColumn& column);

//! Spec names for display: "INT64", "RLE_DICTIONARY", "UTF8", "OPTIONAL"; a value the spec
//! does not define comes out as its number. (Codecs: codec_name() in compression.h.)
std::string name_of(PhysicalType t);
std::string name_of(Encoding e);
std::string name_of(ConvertedType c);
std::string name_of(Repetition r);

}  // namespace aesync::parquet
