#include "parquet/thrift_compact_reader.h"

#include <cstring>

#include "util/error.h"

namespace aesync::parquet {

std::string_view thrift_type_name(ThriftType t) {
  switch (t) {
    case ThriftType::STOP: return "STOP";
    case ThriftType::BOOL_TRUE:
    case ThriftType::BOOL_FALSE: return "BOOL";
    case ThriftType::I8: return "I8";
    case ThriftType::I16: return "I16";
    case ThriftType::I32: return "I32";
    case ThriftType::I64: return "I64";
    case ThriftType::DOUBLE: return "DOUBLE";
    case ThriftType::BINARY: return "BINARY";
    case ThriftType::LIST: return "LIST";
    case ThriftType::SET: return "SET";
    case ThriftType::MAP: return "MAP";
    case ThriftType::STRUCT: return "STRUCT";
  }
  return "?";
}

ThriftCompactReader::ThriftCompactReader(std::string_view data, uint64_t base_offset, std::string context)
    : data_(data), base_offset_(base_offset), context_(std::move(context)) {}

void ThriftCompactReader::fail(const std::string& what) const {
  throw FormatError(context_ + " at byte offset " + std::to_string(offset()) + ": " + what);
}

uint8_t ThriftCompactReader::read_byte() {
  if (pos_ >= data_.size()) fail("truncated Thrift data");
  return static_cast<uint8_t>(data_[pos_++]);
}

uint64_t ThriftCompactReader::read_varint() {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const uint8_t b = read_byte();
    // The 10th byte may only carry the top bit of a 64-bit value.
    if (shift == 63 && (b & 0x7e) != 0) fail("varint overflows 64 bits");
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return result;
  }
  fail("varint longer than 10 bytes");
}

int64_t ThriftCompactReader::read_zigzag() {
  const uint64_t n = read_varint();
  return static_cast<int64_t>(n >> 1) ^ -static_cast<int64_t>(n & 1);
}

void ThriftCompactReader::enter() {
  if (depth_ >= kMaxDepth) fail("Thrift nesting deeper than " + std::to_string(kMaxDepth));
  ++depth_;
}

void ThriftCompactReader::begin_struct() {
  enter();
  last_ids_[++struct_depth_] = 0;
}

bool ThriftCompactReader::next_field(FieldHeader& field) {
  if (struct_depth_ == 0) fail("field read outside a struct");
  const size_t at = pos_;
  const uint8_t b = read_byte();
  if (b == 0) {
    --struct_depth_;
    leave();
    return false;
  }
  const uint8_t type = b & 0x0f;
  if (type > static_cast<uint8_t>(ThriftType::STRUCT)) {
    pos_ = at;
    fail("unknown Thrift field type " + std::to_string(type));
  }
  const uint8_t delta = b >> 4;
  int64_t id;
  if (delta != 0) {
    id = int64_t{last_ids_[struct_depth_]} + delta;
  } else {
    id = read_zigzag();
  }
  if (id < INT16_MIN || id > INT16_MAX) {
    pos_ = at;
    fail("field id " + std::to_string(id) + " out of range");
  }
  field.id = static_cast<int16_t>(id);
  field.type = static_cast<ThriftType>(type);
  last_ids_[struct_depth_] = field.id;
  return true;
}

bool ThriftCompactReader::read_bool_field(const FieldHeader& field) const {
  return field.type == ThriftType::BOOL_TRUE;
}

bool ThriftCompactReader::read_bool_element() {
  const uint8_t b = read_byte();
  // Writers use 1 for true and 0 or 2 for false.
  if (b > 2) {
    --pos_;
    fail("invalid bool byte " + std::to_string(b));
  }
  return b == 1;
}

int8_t ThriftCompactReader::read_i8() { return static_cast<int8_t>(read_byte()); }

int16_t ThriftCompactReader::read_i16() {
  const size_t at = pos_;
  const int64_t v = read_zigzag();
  if (v < INT16_MIN || v > INT16_MAX) {
    pos_ = at;
    fail("i16 value " + std::to_string(v) + " out of range");
  }
  return static_cast<int16_t>(v);
}

int32_t ThriftCompactReader::read_i32() {
  const size_t at = pos_;
  const int64_t v = read_zigzag();
  if (v < INT32_MIN || v > INT32_MAX) {
    pos_ = at;
    fail("i32 value " + std::to_string(v) + " out of range");
  }
  return static_cast<int32_t>(v);
}

int64_t ThriftCompactReader::read_i64() { return read_zigzag(); }

double ThriftCompactReader::read_double() {
  if (data_.size() - pos_ < 8) fail("truncated Thrift double");
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
  pos_ += 8;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

std::string_view ThriftCompactReader::read_binary() {
  const size_t at = pos_;
  const uint64_t len = read_varint();
  const size_t remaining = data_.size() - pos_;
  if (len > remaining) {
    pos_ = at;
    fail("binary length " + std::to_string(len) + " exceeds the remaining " + std::to_string(remaining) + " bytes");
  }
  const std::string_view v = data_.substr(pos_, len);
  pos_ += len;
  return v;
}

ThriftType ThriftCompactReader::element_type(uint8_t nibble) {
  if (nibble == 0 || nibble > static_cast<uint8_t>(ThriftType::STRUCT))
    fail("unknown Thrift element type " + std::to_string(nibble));
  return static_cast<ThriftType>(nibble);
}

ThriftCompactReader::ListHeader ThriftCompactReader::read_list_header() {
  const size_t at = pos_;
  const uint8_t b = read_byte();
  ListHeader h;
  h.elem_type = element_type(b & 0x0f);
  uint64_t size = b >> 4;
  if (size == 15) size = read_varint();
  // Every element takes at least one byte, so a larger count cannot be honest; refusing it here
  // keeps a hostile count from driving allocations or long loops.
  const size_t remaining = data_.size() - pos_;
  if (size > remaining) {
    pos_ = at;
    fail("list of " + std::to_string(size) + " elements exceeds the remaining " + std::to_string(remaining) + " bytes");
  }
  h.size = static_cast<uint32_t>(size);
  return h;
}

ThriftCompactReader::MapHeader ThriftCompactReader::read_map_header() {
  const size_t at = pos_;
  const uint64_t size = read_varint();
  MapHeader h;
  if (size == 0) return h;
  const uint8_t types = read_byte();
  h.key_type = element_type(types >> 4);
  h.value_type = element_type(types & 0x0f);
  const size_t remaining = data_.size() - pos_;
  if (size > remaining / 2) {
    pos_ = at;
    fail("map of " + std::to_string(size) + " entries exceeds the remaining " + std::to_string(remaining) + " bytes");
  }
  h.size = static_cast<uint32_t>(size);
  return h;
}

void ThriftCompactReader::skip(ThriftType type) {
  switch (type) {
    case ThriftType::BOOL_TRUE:
    case ThriftType::BOOL_FALSE: read_bool_element(); return;
    case ThriftType::I8: read_byte(); return;
    case ThriftType::I16:
    case ThriftType::I32:
    case ThriftType::I64: read_varint(); return;
    case ThriftType::DOUBLE: read_double(); return;
    case ThriftType::BINARY: read_binary(); return;
    case ThriftType::LIST:
    case ThriftType::SET: {
      const ListHeader h = read_list_header();
      enter();
      for (uint32_t i = 0; i < h.size; ++i) skip(h.elem_type);
      leave();
      return;
    }
    case ThriftType::MAP: {
      const MapHeader h = read_map_header();
      enter();
      for (uint32_t i = 0; i < h.size; ++i) {
        skip(h.key_type);
        skip(h.value_type);
      }
      leave();
      return;
    }
    case ThriftType::STRUCT: {
      begin_struct();
      FieldHeader f;
      while (next_field(f)) skip_field(f);
      return;
    }
    case ThriftType::STOP: break;
  }
  fail("cannot skip Thrift type " + std::to_string(static_cast<int>(type)));
}

void ThriftCompactReader::skip_field(const FieldHeader& field) {
  if (field.type == ThriftType::BOOL_TRUE || field.type == ThriftType::BOOL_FALSE) return;
  skip(field.type);
}

void expect_field_type(ThriftCompactReader& r, const ThriftCompactReader::FieldHeader& f, ThriftType want,
                       const char* what) {
  const bool ok = f.type == want || (want == ThriftType::BOOL_TRUE &&
                                     (f.type == ThriftType::BOOL_TRUE || f.type == ThriftType::BOOL_FALSE));
  if (!ok)
    r.fail(std::string(what) + " has Thrift type " + std::string(thrift_type_name(f.type)) + ", expected " +
           std::string(thrift_type_name(want)));
}

int32_t read_i32_field(ThriftCompactReader& r, const ThriftCompactReader::FieldHeader& f, const char* what) {
  expect_field_type(r, f, ThriftType::I32, what);
  return r.read_i32();
}

int64_t read_i64_field(ThriftCompactReader& r, const ThriftCompactReader::FieldHeader& f, const char* what) {
  expect_field_type(r, f, ThriftType::I64, what);
  return r.read_i64();
}

std::string_view read_binary_field(ThriftCompactReader& r, const ThriftCompactReader::FieldHeader& f,
                                   const char* what) {
  expect_field_type(r, f, ThriftType::BINARY, what);
  return r.read_binary();
}

}  // namespace aesync::parquet
