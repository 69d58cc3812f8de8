#include "parquet/parquet_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "parquet/column_chunk_reader.h"
#include "parquet/file_metadata_reader.h"
#include "parquet/thrift_compact_reader.h"
#include "util/error.h"

namespace aesync::parquet {

// ---------------------------------------------------------------------------------------------
// Names

std::string name_of(PhysicalType t) {
  static constexpr const char* kNames[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                           "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
  const auto i = static_cast<int32_t>(t);
  return i >= 0 && i < 8 ? kNames[i] : std::to_string(i);
}

std::string name_of(Encoding e) {
  static constexpr const char* kNames[] = {"PLAIN",
                                           "1",
                                           "PLAIN_DICTIONARY",
                                           "RLE",
                                           "BIT_PACKED",
                                           "DELTA_BINARY_PACKED",
                                           "DELTA_LENGTH_BYTE_ARRAY",
                                           "DELTA_BYTE_ARRAY",
                                           "RLE_DICTIONARY",
                                           "BYTE_STREAM_SPLIT"};
  const auto i = static_cast<int32_t>(e);
  return i >= 0 && i < 10 ? kNames[i] : std::to_string(i);
}

std::string name_of(ConvertedType c) {
  static constexpr const char* kNames[] = {"UTF8",
                                           "MAP",
                                           "MAP_KEY_VALUE",
                                           "LIST",
                                           "ENUM",
                                           "DECIMAL",
                                           "DATE",
                                           "TIME_MILLIS",
                                           "TIME_MICROS",
                                           "TIMESTAMP_MILLIS",
                                           "TIMESTAMP_MICROS",
                                           "UINT_8",
                                           "UINT_16",
                                           "UINT_32",
                                           "UINT_64",
                                           "INT_8",
                                           "INT_16",
                                           "INT_32",
                                           "INT_64",
                                           "JSON",
                                           "BSON",
                                           "INTERVAL"};
  const auto i = static_cast<int32_t>(c);
  return i >= 0 && i < 22 ? kNames[i] : std::to_string(i);
}

std::string name_of(Repetition r) {
  static constexpr const char* kNames[] = {"REQUIRED", "OPTIONAL", "REPEATED"};
  const auto i = static_cast<int32_t>(r);
  return i >= 0 && i < 3 ? kNames[i] : std::to_string(i);
}

int64_t timestamp_to_millis(int64_t value, TimeUnit unit) {
  int64_t div = 1;
  if (unit == TimeUnit::MICROS) div = 1000;
  if (unit == TimeUnit::NANOS) div = 1000000;
  int64_t q = value / div;
  if (value % div < 0) --q;
  return q;
}

ColumnType column_type_of(const SchemaColumn& column) {
  const auto refuse = [&](const std::string& why) { throw FormatError("column '" + column.name + "': " + why); };
  if (column.is_float16 && (column.type != PhysicalType::FIXED_LEN_BYTE_ARRAY || column.type_length != 2))
    refuse("FLOAT16 values must be FIXED_LEN_BYTE_ARRAY(2), not " + name_of(column.type) +
           (column.type_length ? "(" + std::to_string(*column.type_length) + ")" : ""));
  if (column.is_uuid && (column.type != PhysicalType::FIXED_LEN_BYTE_ARRAY || column.type_length != 16))
    refuse("UUID values must be FIXED_LEN_BYTE_ARRAY(16), not " + name_of(column.type) +
           (column.type_length ? "(" + std::to_string(*column.type_length) + ")" : ""));
  switch (column.type) {
    case PhysicalType::BYTE_ARRAY:
    case PhysicalType::INT96: return ColumnType::String;
    case PhysicalType::FIXED_LEN_BYTE_ARRAY:
      if (!column.type_length || *column.type_length <= 0)
        refuse("FIXED_LEN_BYTE_ARRAY without a positive type_length" +
               (column.type_length ? " (" + std::to_string(*column.type_length) + ")" : std::string()));
      return ColumnType::String;
    case PhysicalType::DOUBLE:
    case PhysicalType::FLOAT: return ColumnType::Double;
    case PhysicalType::INT64: return column.timestamp_unit ? ColumnType::Timestamp : ColumnType::Int64;
    case PhysicalType::INT32:
    case PhysicalType::BOOLEAN: return ColumnType::Int64;
    default: break;
  }
  throw FormatError("column '" + column.name + "': physical type " + name_of(column.type) + " is not supported");
}

namespace {

// ---------------------------------------------------------------------------------------------
// File access

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_file(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) throw StorageError("cannot open " + path + ": " + std::strerror(errno));
  return f;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ParquetReader

ParquetReader::ParquetReader(const std::string& path) : path_(path) {
  File f = open_file(path);
  if (fseeko(f.get(), 0, SEEK_END) != 0) throw StorageError("cannot seek in " + path + ": " + std::strerror(errno));
  const off_t size = ftello(f.get());
  if (size < 0) throw StorageError("cannot size " + path + ": " + std::strerror(errno));
  meta_.file_size = static_cast<uint64_t>(size);
  parse_footer();
}

ParquetReader ParquetReader::from_bytes(std::string bytes, std::string name) {
  ParquetReader r;
  r.path_ = std::move(name);
  r.meta_.file_size = bytes.size();
  r.bytes_ = std::make_shared<const std::string>(std::move(bytes));
  r.parse_footer();
  return r;
}

std::string ParquetReader::read_range(uint64_t offset, uint64_t size) const {
  if (bytes_) return bytes_->substr(offset, size);
  File f = open_file(path_);
  std::string out(size, '\0');
  if (fseeko(f.get(), static_cast<off_t>(offset), SEEK_SET) != 0 ||
      std::fread(out.data(), 1, out.size(), f.get()) != out.size())
    throw StorageError("cannot read " + std::to_string(size) + " bytes at offset " + std::to_string(offset) + " of " +
                       path_ + (std::ferror(f.get()) ? std::string(": ") + std::strerror(errno) : ": file shrank"));
  return out;
}

void ParquetReader::parse_footer() {
  const uint64_t size = meta_.file_size;
  if (size < 12)
    throw FormatError(path_ + ": file of " + std::to_string(size) +
                      " bytes is too small to be Parquet (needs at least 12)");
  const std::string head = read_range(0, 4);
  const std::string tail = read_range(size - 8, 8);
  // Parquet modular encryption marks a file with an encrypted footer "PARE" at both ends.
  if (head == "PARE" || tail.compare(4, 4, "PARE") == 0)
    throw FormatError(path_ +
                      ": the file is encrypted (Parquet modular encryption, \"PARE\" magic), which is not supported");
  if (std::memcmp(head.data(), kMagic, 4) != 0) throw FormatError(path_ + ": no PAR1 magic at byte offset 0");
  if (std::memcmp(tail.data() + 4, kMagic, 4) != 0)
    throw FormatError(path_ + ": no PAR1 magic at byte offset " + std::to_string(size - 4));
  const uint32_t footer_len = load_u32(tail.data());
  if (footer_len == 0 || footer_len > size - 12)
    throw FormatError(path_ + ": footer length " + std::to_string(footer_len) + " (at byte offset " +
                      std::to_string(size - 8) + ") does not fit in the file of " + std::to_string(size) + " bytes");
  const uint64_t footer_start = size - 8 - footer_len;
  const std::string footer = read_range(footer_start, footer_len);
  ThriftCompactReader r(footer, footer_start, path_ + ": footer");
  const uint64_t file_size = meta_.file_size;
  meta_ = read_file_metadata(r, path_);
  meta_.file_size = file_size;

  // Every chunk must lie between the leading magic and the footer.
  for (size_t g = 0; g < meta_.row_groups.size(); ++g) {
    for (const ColumnChunkInfo& c : meta_.row_groups[g].columns) {
      const std::string where = path_ + ": row group " + std::to_string(g) + ", column '" + c.path + "'";
      if (c.num_values != meta_.row_groups[g].num_rows)
        throw FormatError(where + ": num_values " + std::to_string(c.num_values) + " differs from the row group's " +
                          std::to_string(meta_.row_groups[g].num_rows) + " rows");
      if (c.num_values == 0) continue;  // never read: writers may leave its offsets 0
      int64_t start = c.data_page_offset;
      if (c.dictionary_page_offset && *c.dictionary_page_offset > 0 && *c.dictionary_page_offset < start)
        start = *c.dictionary_page_offset;
      const auto limit = static_cast<int64_t>(footer_start);
      if (start < 4 || c.total_compressed_size < 0 || start > limit || c.total_compressed_size > limit - start)
        throw FormatError(where + ": column chunk at byte offset " + std::to_string(start) + " of " +
                          std::to_string(c.total_compressed_size) + " bytes lies outside the data (bytes 4 to " +
                          std::to_string(limit) + ")");
    }
  }
}

RowBatch ParquetReader::read_row_group(size_t index, Timestamps timestamps) const {
  if (index >= meta_.row_groups.size())
    throw FormatError(path_ + ": row group " + std::to_string(index) + " does not exist (the file has " +
                      std::to_string(meta_.row_groups.size()) + ")");
  const RowGroupInfo& rg = meta_.row_groups[index];
  DecodeBudget budget = DecodeBudget::for_file(meta_.file_size);
  RowBatch batch;
  batch.rows = static_cast<size_t>(rg.num_rows);
  batch.columns.reserve(meta_.columns.size());
  for (size_t c = 0; c < meta_.columns.size(); ++c) {
    SchemaColumn col = meta_.columns[c];
    if (timestamps == Timestamps::AsStored) col.timestamp_unit.reset();  // read as the INT64 it is
    const ColumnChunkInfo& chunk = rg.columns[c];
    ColumnType type;
    try {
      type = column_type_of(col);
    } catch (const FormatError& e) {
      throw FormatError(path_ + ": row group " + std::to_string(index) + ", " + e.what());
    }
    ColumnBuffer& out = batch.columns.emplace_back(type, col.repetition == Repetition::OPTIONAL);
    if (chunk.num_values == 0) continue;  // nothing to read (parse_footer() did not place it)
    int64_t start = chunk.data_page_offset;
    if (chunk.dictionary_page_offset && *chunk.dictionary_page_offset > 0 && *chunk.dictionary_page_offset < start)
      start = *chunk.dictionary_page_offset;
    const std::string data =
        read_range(static_cast<uint64_t>(start), static_cast<uint64_t>(chunk.total_compressed_size));
    try {
      decode_column_chunk(col, chunk, index, data, static_cast<uint64_t>(start), budget, out);
    } catch (const FormatError& e) {
      throw FormatError(path_ + ": " + e.what());
    }
  }
  return batch;
}

}  // namespace aesync::parquet
