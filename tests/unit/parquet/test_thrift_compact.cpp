// Byte-level tests of the Thrift compact protocol encoder. Every expected byte is derived by
// hand from the compact protocol rules, explained next to it.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "parquet/thrift_compact_writer.h"

using aesync::parquet::ThriftCompactWriter;
using aesync::parquet::ThriftType;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

std::string encode_i32(int32_t v) {
  std::string out;
  ThriftCompactWriter w(out);
  w.i32(v);
  return out;
}

std::string encode_i64(int64_t v) {
  std::string out;
  ThriftCompactWriter w(out);
  w.i64(v);
  return out;
}

}  // namespace

TEST(ThriftCompact, ShortFormFieldHeadersUseTheIdDelta) {
  std::string out;
  ThriftCompactWriter w(out);
  w.begin_struct();
  w.field_i32(1, 0);   // delta 1, type I32 (5): 0x15; value zigzag(0) = 0x00
  w.field_i32(3, 1);   // delta 2: 0x25; zigzag(1) = 2
  w.field_i64(18, 2);  // delta 15 (the largest short form), type I64 (6): 0xF6; zigzag(2) = 4
  w.end_struct();      // STOP
  EXPECT_EQ(out, bytes({0x15, 0x00, 0x25, 0x02, 0xF6, 0x04, 0x00}));
  EXPECT_EQ(w.depth(), 0u);
}

TEST(ThriftCompact, LongFormFieldHeaderWhenDeltaExceeds15) {
  std::string out;
  ThriftCompactWriter w(out);
  w.begin_struct();
  w.field_i32(1, 5);   // 0x15, zigzag(5) = 10 = 0x0A
  w.field_i64(17, 1);  // delta 16: type byte 0x06, then id as zigzag i16: 17 -> 34 = 0x22; value 0x02
  w.end_struct();
  EXPECT_EQ(out, bytes({0x15, 0x0A, 0x06, 0x22, 0x02, 0x00}));
}

TEST(ThriftCompact, LongFormFieldHeaderWhenDeltaIsNegativeOrZero) {
  std::string out;
  ThriftCompactWriter w(out);
  w.begin_struct();
  w.field_i32(5, 1);     // delta 5: 0x55, 0x02
  w.field_i32(2, 1);     // delta -3: 0x05, id zigzag(2) = 4, value 0x02
  w.field_i32(2, 1);     // delta 0: long form again: 0x05 0x04 0x02
  w.field_i32(300, -1);  // delta 298: 0x05, zigzag(300) = 600 = 0x258 -> varint 0xD8 0x04; value zigzag(-1) = 1
  w.end_struct();
  EXPECT_EQ(out, bytes({0x55, 0x02, 0x05, 0x04, 0x02, 0x05, 0x04, 0x02, 0x05, 0xD8, 0x04, 0x01, 0x00}));
}

TEST(ThriftCompact, ZigzagVarintsForI32) {
  EXPECT_EQ(encode_i32(0), bytes({0x00}));
  EXPECT_EQ(encode_i32(-1), bytes({0x01}));  // zigzag: -n -> 2n-1
  EXPECT_EQ(encode_i32(1), bytes({0x02}));   // n -> 2n
  EXPECT_EQ(encode_i32(-2), bytes({0x03}));
  EXPECT_EQ(encode_i32(63), bytes({0x7E}));         // 126 fits 7 bits
  EXPECT_EQ(encode_i32(-64), bytes({0x7F}));        // 127 fits 7 bits
  EXPECT_EQ(encode_i32(64), bytes({0x80, 0x01}));   // 128 = 0b1_0000000: low 7 bits 0 + continuation, then 1
  EXPECT_EQ(encode_i32(300), bytes({0xD8, 0x04}));  // 600 = 0x258: 0x58|0x80, 600>>7 = 4
  // INT32_MAX -> 0xFFFFFFFE: 7-bit groups 0x7E,0x7F,0x7F,0x7F,0x0F
  EXPECT_EQ(encode_i32(std::numeric_limits<int32_t>::max()), bytes({0xFE, 0xFF, 0xFF, 0xFF, 0x0F}));
  // INT32_MIN -> 0xFFFFFFFF
  EXPECT_EQ(encode_i32(std::numeric_limits<int32_t>::min()), bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}));
}

TEST(ThriftCompact, ZigzagVarintsForI64) {
  EXPECT_EQ(encode_i64(0), bytes({0x00}));
  EXPECT_EQ(encode_i64(-3), bytes({0x05}));
  // 2^32 -> zigzag 2^33: 33 bits = four 7-bit groups of 0 (28 bits) then 2^5 = 0x20
  EXPECT_EQ(encode_i64(int64_t{1} << 32), bytes({0x80, 0x80, 0x80, 0x80, 0x20}));
  // INT64_MAX -> 0xFFFF_FFFF_FFFF_FFFE: nine groups (63 bits) 0x7E then 0x7F x8, the last bit 1
  EXPECT_EQ(encode_i64(std::numeric_limits<int64_t>::max()),
            bytes({0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
  // INT64_MIN -> all 64 bits set
  EXPECT_EQ(encode_i64(std::numeric_limits<int64_t>::min()),
            bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
}

TEST(ThriftCompact, BinaryIsVarintLengthThenBytes) {
  std::string out;
  ThriftCompactWriter w(out);
  w.begin_struct();
  w.field_binary(1, "ab");                   // 0x18 (delta 1, BINARY 8), length 2, 'a' 'b'
  w.field_binary(2, "");                     // 0x18, length 0
  w.field_binary(3, std::string(200, 'x'));  // 0x18, length 200 = 0xC8 0x01, bytes
  w.end_struct();
  EXPECT_EQ(out, bytes({0x18, 0x02, 'a', 'b', 0x18, 0x00, 0x18, 0xC8, 0x01}) + std::string(200, 'x') + bytes({0x00}));
}

TEST(ThriftCompact, BoolFieldsLiveInTheHeaderTypeNibble) {
  std::string out;
  ThriftCompactWriter w(out);
  w.begin_struct();
  w.field_bool(1, true);   // delta 1, BOOLEAN_TRUE (1): 0x11, no value byte
  w.field_bool(2, false);  // delta 1, BOOLEAN_FALSE (2): 0x12
  w.field_bool(20, true);  // delta 18: long form 0x01, zigzag(20) = 40 = 0x28
  w.end_struct();
  EXPECT_EQ(out, bytes({0x11, 0x12, 0x01, 0x28, 0x00}));
}

TEST(ThriftCompact, ShortListHeaderPacksSizeAndElementType) {
  std::string out;
  ThriftCompactWriter w(out);
  w.begin_struct();
  w.field_list(2, ThriftType::I32, 3);  // 0x29 (delta 2, LIST 9); header (3 << 4) | I32 5 = 0x35
  w.i32(1);
  w.i32(2);
  w.i32(-3);                                // elements: zigzag 2, 4, 5
  w.field_list(3, ThriftType::BINARY, 14);  // 14 is the largest short size: 0xE8
  for (int i = 0; i < 14; ++i) w.binary("");
  w.end_struct();
  EXPECT_EQ(out, bytes({0x29, 0x35, 0x02, 0x04, 0x05, 0x19, 0xE8}) + std::string(14, '\0') + bytes({0x00}));
}

TEST(ThriftCompact, LongListHeaderFrom15Elements) {
  std::string out;
  ThriftCompactWriter w(out);
  w.list_header(ThriftType::I32, 15);      // 0xF0 | 5, varint 15
  w.list_header(ThriftType::STRUCT, 300);  // 0xF0 | 12, varint 300 = 0xAC 0x02
  w.list_header(ThriftType::STRUCT, 0);    // empty list: (0 << 4) | 12
  EXPECT_EQ(out, bytes({0xF5, 0x0F, 0xFC, 0xAC, 0x02, 0x0C}));
}

TEST(ThriftCompact, NestedStructsRestartTheFieldIdDelta) {
  std::string out;
  ThriftCompactWriter w(out);
  w.begin_struct();
  w.field_i32(1, 1);      // 0x15 0x02
  w.field_struct(8);      // delta 7, STRUCT 12: 0x7C
  w.field_bool(1, true);  //   inner ids restart at 0: delta 1 -> 0x11
  w.field_struct(2);      //   0x1C
  w.field_struct(1);      //     0x1C (deeper struct, delta restarts again)
  w.end_struct();         //     0x00
  w.end_struct();         //   0x00
  w.end_struct();         // inner STOP 0x00
  w.field_i32(9, 2);      // outer continues from id 8: delta 1 -> 0x15, zigzag(2) = 4
  w.end_struct();
  EXPECT_EQ(out, bytes({0x15, 0x02, 0x7C, 0x11, 0x1C, 0x1C, 0x00, 0x00, 0x00, 0x15, 0x04, 0x00}));
}

TEST(ThriftCompact, ListOfStructsEachStartsFresh) {
  std::string out;
  ThriftCompactWriter w(out);
  w.begin_struct();
  w.field_list(7, ThriftType::STRUCT, 2);  // 0x79, (2 << 4) | 12 = 0x2C
  for (int i = 0; i < 2; ++i) {
    w.begin_struct();
    w.field_struct(1);  // 0x1C: each element's ids start from 0
    w.end_struct();     // 0x00
    w.end_struct();     // 0x00
  }
  w.end_struct();
  EXPECT_EQ(out, bytes({0x79, 0x2C, 0x1C, 0x00, 0x00, 0x1C, 0x00, 0x00, 0x00}));
}

TEST(ThriftCompact, RawSplicesPreEncodedBytes) {
  std::string out;
  ThriftCompactWriter w(out);
  w.begin_struct();
  w.field_list(4, ThriftType::STRUCT, 1);  // 0x49, 0x1C
  w.raw(bytes({0x16, 0x02, 0x00}));        // a struct encoded elsewhere
  w.field_binary(6, "x");                  // delta from 4 is 2: 0x28
  w.end_struct();
  EXPECT_EQ(out, bytes({0x49, 0x1C, 0x16, 0x02, 0x00, 0x28, 0x01, 'x', 0x00}));
}

TEST(ThriftCompact, MisuseIsALogicError) {
  std::string out;
  ThriftCompactWriter w(out);
  EXPECT_THROW(w.end_struct(), std::logic_error);
  EXPECT_THROW(w.field_i32(1, 0), std::logic_error);
  for (int i = 0; i < 16; ++i) w.begin_struct();
  EXPECT_THROW(w.begin_struct(), std::logic_error);
}
