// Thrift compact protocol decoder for untrusted input (Parquet footers and page headers).
//
// A pull parser over one byte range: the caller walks a struct with next_field() and reads
// each field it models with the read_*() matching its wire type, or skip()s it. skip() handles
// every wire type, including nested structs, lists, sets and maps, so fields that other writers
// add (page indexes, encoding_stats, size_statistics, key_value_metadata...) pass through.
//
// Guarantees: never reads outside the range; nesting (structs, containers) is limited to
// kMaxDepth; a container whose element count cannot fit in the remaining bytes is rejected
// before anything is allocated. Every failure is a FormatError naming `context` and the byte
// offset (in the file: `base_offset` + position in the range).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "parquet/format.h"

namespace aesync::parquet {

class ThriftCompactReader {
 public:
  //! Structs and containers nested deeper than this are rejected (Parquet needs fewer than 10).
  static constexpr int kMaxDepth = 64;

  struct FieldHeader {
    int16_t id = 0;
    ThriftType type = ThriftType::STOP;
  };
  struct ListHeader {
    ThriftType elem_type = ThriftType::STOP;
    uint32_t size = 0;
  };
  struct MapHeader {
    ThriftType key_type = ThriftType::STOP;
    ThriftType value_type = ThriftType::STOP;
    uint32_t size = 0;
  };

  //! `context` names the structure in errors ("footer", "page header"); `base_offset` is the
  //! file offset of data[0].
  ThriftCompactReader(std::string_view data, uint64_t base_offset, std::string context);

  //! Enters a struct: field ids restart. Every begin_struct() must be matched by the
  //! next_field() that returns false (the STOP byte), which leaves the struct.
  void begin_struct();
  //! Reads the next field header of the current struct; false at STOP (and leaves the struct).
  bool next_field(FieldHeader& field);

  //! A bool field's value lives in its header type (compact protocol).
  bool read_bool_field(const FieldHeader& field) const;
  //! A bool element of a list/set/map: one byte, 1 = true.
  bool read_bool_element();
  int8_t read_i8();
  int16_t read_i16();
  int32_t read_i32();
  int64_t read_i64();
  double read_double();
  //! Bytes of a BINARY (string) value; a view into the input range.
  std::string_view read_binary();
  //! List or set header. The size is checked against the remaining bytes.
  ListHeader read_list_header();
  MapHeader read_map_header();

  //! Skips one value of wire type `type` (whole structs and containers, recursively).
  void skip(ThriftType type);
  //! Skips a field's value; for bool fields there is nothing left to read.
  void skip_field(const FieldHeader& field);

  //! Position in the range (bytes consumed).
  size_t position() const { return pos_; }
  //! File offset of the next byte.
  uint64_t offset() const { return base_offset_ + pos_; }

  //! Throws FormatError "<context> at byte offset N: <what>".
  [[noreturn]] void fail(const std::string& what) const;

 private:
  uint8_t read_byte();
  uint64_t read_varint();
  int64_t read_zigzag();
  ThriftType element_type(uint8_t nibble);
  void enter();
  void leave() { --depth_; }

  std::string_view data_;
  size_t pos_ = 0;
  uint64_t base_offset_;
  std::string context_;
  int depth_ = 0;
  // Last field id of each open struct (ids are deltas within a struct).
  int16_t last_ids_[kMaxDepth + 1] = {};
  int struct_depth_ = 0;
};

//! Name of a wire type for messages ("I32", "STRUCT"...).
std::string_view thrift_type_name(ThriftType t);

// Typed fields of a struct, for the Parquet metadata readers: a field whose wire type is not the
// one the spec gives it is a FormatError naming `what` ("ColumnMetaData.codec").

//! Fails unless `f` has wire type `want` (BOOL_TRUE stands for either bool type).
void expect_field_type(ThriftCompactReader& r, const ThriftCompactReader::FieldHeader& f, ThriftType want,
                       const char* what);
int32_t read_i32_field(ThriftCompactReader& r, const ThriftCompactReader::FieldHeader& f, const char* what);
int64_t read_i64_field(ThriftCompactReader& r, const ThriftCompactReader::FieldHeader& f, const char* what);
std::string_view read_binary_field(ThriftCompactReader& r, const ThriftCompactReader::FieldHeader& f, const char* what);

//! A LIST field of `elem` elements: element(i) reads each one.
template <class Element>
void read_list_field(ThriftCompactReader& r, const ThriftCompactReader::FieldHeader& f, ThriftType elem,
                     const char* what, Element&& element) {
  expect_field_type(r, f, ThriftType::LIST, what);
  const auto h = r.read_list_header();
  if (h.size > 0 && h.elem_type != elem)
    r.fail(std::string(what) + " holds " + std::string(thrift_type_name(h.elem_type)) + " elements, expected " +
           std::string(thrift_type_name(elem)));
  for (uint32_t i = 0; i < h.size; ++i) element(i);
}

//! Walks a struct's fields, calling field(f) for each; field returns false for fields it does
//! not model, which are then skipped.
template <class Field>
void read_struct(ThriftCompactReader& r, Field&& field) {
  r.begin_struct();
  ThriftCompactReader::FieldHeader f;
  while (r.next_field(f)) {
    if (!field(f)) r.skip_field(f);
  }
}

}  // namespace aesync::parquet
