// Parquet reader: enough of the format to inspect and verify the files aesync writes (and
// files from other writers that use the same features): the footer (FileMetaData in Thrift
// compact), schema, row groups, column chunk metadata with statistics, and the values of
// data pages v1/v2 with PLAIN / PLAIN_DICTIONARY / RLE_DICTIONARY encodings, any codec aesync
// writes, for flat schemas of BYTE_ARRAY, DOUBLE, INT64, INT32, BOOLEAN columns.
//
// Input is untrusted: every length and offset is bounds-checked, a malformed file is a
// FormatError naming what is wrong and where (byte offset, row group, column).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parquet/format.h"
#include "schema/row_batch.h"

namespace aesync::parquet {

struct Statistics {
  std::optional<std::string> min_value, max_value;  //!< plain-encoded bytes
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
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

struct SchemaColumn {
  std::string name;
  PhysicalType type{};
  Repetition repetition{};
  std::optional<ConvertedType> converted_type;
  std::string logical_type;  //!< e.g. "STRING", "TIMESTAMP(MILLIS,UTC)", "" when absent
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
  const FileMetadata& metadata() const { return meta_; }
  //! Decodes one row group into columnar buffers (types: BYTE_ARRAY -> String, DOUBLE -> Double,
  //! INT64 -> Int64 or Timestamp when so annotated; nullable = OPTIONAL).
  RowBatch read_row_group(size_t index) const;

 private:
  std::string path_;
  FileMetadata meta_;
};

}  // namespace aesync::parquet
