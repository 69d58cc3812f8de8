// Thrift compact protocol encoder: the subset the Parquet footer and page headers need.
//
// The writer appends to a caller-owned std::string (so buffers are reused between pages) and
// tracks, per open struct, the id of the last field written: a field header is one byte
// `(delta << 4) | type` when 0 < delta <= 15, else the type byte followed by the zigzag-varint
// field id. Every struct, the outermost one included, is opened with begin_struct() and closed
// with end_struct() (which writes the STOP byte), so the field-id delta restarts in each nested
// struct exactly as the protocol requires. Booleans as struct fields live in the header's type
// nibble (TRUE = 1, FALSE = 2) and have no value byte.
//
// Usage, a struct field inside a struct:
//   w.begin_struct();                // outer
//   w.field_i32(1, 7);
//   w.field_struct(3);               // header of field 3 (type STRUCT) + begin_struct()
//   w.field_binary(1, "x");
//   w.end_struct();                  // inner STOP
//   w.field_list(4, ThriftType::I32, n); then n x w.i32(v)
//   w.end_struct();                  // outer STOP
// Misuse (unbalanced structs, nesting deeper than 16) is a programming error: std::logic_error.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "parquet/format.h"

namespace aesync::parquet {

class ThriftCompactWriter {
 public:
  explicit ThriftCompactWriter(std::string& out) : out_(out) {}

  //! Opens a struct (the outermost one, a list element, or after a STRUCT field header).
  void begin_struct();
  //! Writes the STOP byte and closes the innermost open struct.
  void end_struct();
  //! Structs still open; 0 once a balanced message is complete.
  size_t depth() const { return depth_; }

  //! The header of field `id` of `type` in the innermost open struct.
  void field_header(int16_t id, ThriftType type);

  void field_bool(int16_t id, bool v) { field_header(id, v ? ThriftType::BOOL_TRUE : ThriftType::BOOL_FALSE); }
  void field_i8(int16_t id, int8_t v) {
    field_header(id, ThriftType::I8);
    i8(v);
  }
  void field_i16(int16_t id, int16_t v) {
    field_header(id, ThriftType::I16);
    i16(v);
  }
  void field_i32(int16_t id, int32_t v) {
    field_header(id, ThriftType::I32);
    i32(v);
  }
  void field_i64(int16_t id, int64_t v) {
    field_header(id, ThriftType::I64);
    i64(v);
  }
  void field_binary(int16_t id, std::string_view v) {
    field_header(id, ThriftType::BINARY);
    binary(v);
  }
  //! Header of a STRUCT field, then begin_struct(): the caller writes its fields and end_struct().
  void field_struct(int16_t id) {
    field_header(id, ThriftType::STRUCT);
    begin_struct();
  }
  //! Header of a LIST field and the list header; the caller then writes `size` elements.
  void field_list(int16_t id, ThriftType elem, size_t size) {
    field_header(id, ThriftType::LIST);
    list_header(elem, size);
  }

  //! List header: `(size << 4) | elem` when size < 15, else `0xF0 | elem` + varint size.
  void list_header(ThriftType elem, size_t size);

  // Bare values (list elements, field values after field_header).
  void i8(int8_t v) { out_.push_back(static_cast<char>(v)); }
  void i16(int16_t v) { varint(zigzag(v)); }
  void i32(int32_t v) { varint(zigzag(v)); }
  void i64(int64_t v) { varint(zigzag(v)); }
  void binary(std::string_view v);
  //! Appends bytes that already are a complete encoded value (e.g. a struct serialised earlier
  //! with its own writer); used to splice pre-encoded row groups into the footer's list.
  void raw(std::string_view bytes) { out_.append(bytes); }

  //! Unsigned LEB128.
  void varint(uint64_t v);
  static uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }

 private:
  std::string& out_;
  // Last field id of each open struct, innermost at depth_ - 1. A fixed array: writing a page
  // header must not allocate, and Parquet metadata nests only a few levels deep.
  static constexpr size_t kMaxDepth = 16;
  std::array<int16_t, kMaxDepth> last_ids_{};
  size_t depth_ = 0;
};

}  // namespace aesync::parquet
