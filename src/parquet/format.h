// Parquet format constants (apache/parquet-format, src/main/thrift/parquet.thrift), shared by
// the writer and the reader. Only what aesync writes or reads; values are the spec's.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace aesync::parquet {

inline constexpr char kMagic[4] = {'P', 'A', 'R', '1'};

enum class PhysicalType : int32_t {
  BOOLEAN = 0,
  INT32 = 1,
  INT64 = 2,
  INT96 = 3,
  FLOAT = 4,
  DOUBLE = 5,
  BYTE_ARRAY = 6,
  FIXED_LEN_BYTE_ARRAY = 7
};

enum class ConvertedType : int32_t { UTF8 = 0, TIMESTAMP_MILLIS = 9, TIMESTAMP_MICROS = 10, INT_64 = 18 };

enum class Repetition : int32_t { REQUIRED = 0, OPTIONAL = 1, REPEATED = 2 };

enum class Encoding : int32_t {
  PLAIN = 0,
  PLAIN_DICTIONARY = 2,
  RLE = 3,
  BIT_PACKED = 4,
  DELTA_BINARY_PACKED = 5,
  DELTA_LENGTH_BYTE_ARRAY = 6,
  DELTA_BYTE_ARRAY = 7,
  RLE_DICTIONARY = 8,
  BYTE_STREAM_SPLIT = 9
};

enum class Codec : int32_t {
  UNCOMPRESSED = 0,
  SNAPPY = 1,
  GZIP = 2,
  LZO = 3,
  BROTLI = 4,
  LZ4 = 5,
  ZSTD = 6,
  LZ4_RAW = 7
};

enum class PageType : int32_t { DATA_PAGE = 0, INDEX_PAGE = 1, DICTIONARY_PAGE = 2, DATA_PAGE_V2 = 3 };

//! Thrift compact protocol element types.
enum class ThriftType : uint8_t {
  STOP = 0,
  BOOL_TRUE = 1,
  BOOL_FALSE = 2,
  I8 = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  DOUBLE = 7,
  BINARY = 8,
  LIST = 9,
  SET = 10,
  MAP = 11,
  STRUCT = 12
};

// Little-endian 4- and 8-byte values (PLAIN numbers, BYTE_ARRAY length prefixes, the footer
// length). Parquet is little-endian, as is every target aesync is built for.
inline void put_u32(std::string& out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}
inline uint32_t load_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t load_u64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace aesync::parquet
