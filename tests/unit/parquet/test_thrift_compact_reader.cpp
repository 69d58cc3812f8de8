// Thrift compact protocol decoding of hand-written bytes (encodings per the Thrift compact
// protocol spec: field header (delta << 4) | type, zigzag varints, list headers).
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "parquet/thrift_compact_reader.h"
#include "util/error.h"

namespace aesync::parquet {
namespace {

using Reader = ThriftCompactReader;

// The reader keeps a view of its input: tests hold the bytes in a named string.
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ThriftCompactReader, ShortFieldHeadersAndZigzagIntegers) {
  // struct { 1: i32 = 1, 2: i32 = -1, 3: i64 = -64, 5: i16 = 300, 6: i8 = -3 }
  const std::string in = bytes({0x15, 0x02, 0x15, 0x01, 0x16, 0x7f, 0x24, 0xd8, 0x04, 0x13, 0xfd, 0x00});
  Reader r(in, 0, "test");
  Reader::FieldHeader f;
  r.begin_struct();
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 1);
  EXPECT_EQ(f.type, ThriftType::I32);
  EXPECT_EQ(r.read_i32(), 1);
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 2);
  EXPECT_EQ(r.read_i32(), -1);
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 3);
  EXPECT_EQ(f.type, ThriftType::I64);
  EXPECT_EQ(r.read_i64(), -64);
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 5);
  EXPECT_EQ(f.type, ThriftType::I16);
  EXPECT_EQ(r.read_i16(), 300);
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 6);
  EXPECT_EQ(f.type, ThriftType::I8);
  EXPECT_EQ(r.read_i8(), -3);
  EXPECT_FALSE(r.next_field(f));
  EXPECT_EQ(r.position(), in.size());
}

TEST(ThriftCompactReader, ExtremeIntegers) {
  // i64 min = zigzag 2^64-1: ten bytes ff..ff 01; i32 max = zigzag 2^32-2.
  const std::string in =
      bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xfe, 0xff, 0xff, 0xff, 0x0f});
  Reader r(in, 0, "test");
  EXPECT_EQ(r.read_i64(), INT64_MIN);
  EXPECT_EQ(r.read_i32(), INT32_MAX);
}

TEST(ThriftCompactReader, LongFieldHeaderAndBackwardIds) {
  // Field 20 (delta > 15): type byte 0x08 (BINARY) + zigzag i16 40; then field 3 (backwards,
  // long form 0x05 + zigzag 6); then field 4 as a short delta from 3.
  const std::string in = bytes({0x08, 0x28, 0x02, 'h', 'i', 0x05, 0x06, 0x0e, 0x15, 0x02, 0x00});
  Reader r(in, 0, "test");
  Reader::FieldHeader f;
  r.begin_struct();
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 20);
  EXPECT_EQ(f.type, ThriftType::BINARY);
  EXPECT_EQ(r.read_binary(), "hi");
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 3);
  EXPECT_EQ(r.read_i32(), 7);
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 4);
  EXPECT_EQ(r.read_i32(), 1);
  EXPECT_FALSE(r.next_field(f));
}

TEST(ThriftCompactReader, BoolFieldsAndBoolList) {
  // 1: true, 2: false, 3: list<bool> [true, false, true]
  const std::string in = bytes({0x11, 0x12, 0x19, 0x31, 0x01, 0x02, 0x01, 0x00});
  Reader r(in, 0, "test");
  Reader::FieldHeader f;
  r.begin_struct();
  ASSERT_TRUE(r.next_field(f));
  EXPECT_TRUE(r.read_bool_field(f));
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 2);
  EXPECT_FALSE(r.read_bool_field(f));
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.type, ThriftType::LIST);
  const auto h = r.read_list_header();
  EXPECT_EQ(h.size, 3u);
  EXPECT_EQ(h.elem_type, ThriftType::BOOL_TRUE);
  EXPECT_TRUE(r.read_bool_element());
  EXPECT_FALSE(r.read_bool_element());
  EXPECT_TRUE(r.read_bool_element());
  EXPECT_FALSE(r.next_field(f));
}

TEST(ThriftCompactReader, ShortAndLongListHeaders) {
  // list<i32> of 3 (short form 0x35), then list<i32> of 20 (long form 0xf5 + varint 20).
  std::string in = bytes({0x35, 0x02, 0x04, 0x06, 0xf5, 0x14});
  for (int i = 0; i < 20; ++i) in.push_back(static_cast<char>(2 * i));
  Reader r(in, 0, "test");
  auto h = r.read_list_header();
  EXPECT_EQ(h.size, 3u);
  EXPECT_EQ(h.elem_type, ThriftType::I32);
  EXPECT_EQ(r.read_i32(), 1);
  EXPECT_EQ(r.read_i32(), 2);
  EXPECT_EQ(r.read_i32(), 3);
  h = r.read_list_header();
  EXPECT_EQ(h.size, 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(r.read_i32(), i);
  EXPECT_EQ(r.position(), in.size());
}

TEST(ThriftCompactReader, NestedStructsRestartFieldIds) {
  // { 1: i32 5, 2: struct { 1: i32 6, 15: i32 7 }, 3: i32 8 }: inner ids count from 0 again,
  // and the outer delta resumes from 2 after the inner STOP.
  const std::string in = bytes({0x15, 0x0a, 0x1c, 0x15, 0x0c, 0xe5, 0x0e, 0x00, 0x15, 0x10, 0x00});
  Reader r(in, 0, "test");
  Reader::FieldHeader f;
  r.begin_struct();
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(r.read_i32(), 5);
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 2);
  EXPECT_EQ(f.type, ThriftType::STRUCT);
  r.begin_struct();
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 1);
  EXPECT_EQ(r.read_i32(), 6);
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 15);
  EXPECT_EQ(r.read_i32(), 7);
  EXPECT_FALSE(r.next_field(f));
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(f.id, 3);
  EXPECT_EQ(r.read_i32(), 8);
  EXPECT_FALSE(r.next_field(f));
}

TEST(ThriftCompactReader, DoubleIsLittleEndian) {
  const std::string in = bytes({0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f});
  Reader r(in, 0, "test");
  EXPECT_EQ(r.read_double(), 1.5);
}

TEST(ThriftCompactReader, SkipsUnknownFieldsOfEveryType) {
  // Fields 1..13 of every type, then field 14: i32 42, which must be read correctly after skipping.
  const std::string in =
      bytes({0x11,                                                // 1: bool true
             0x13, 0x7f,                                          // 2: i8
             0x14, 0x80, 0x01,                                    // 3: i16 (two-byte varint)
             0x15, 0x03,                                          // 4: i32
             0x16, 0xff, 0xff, 0xff, 0xff, 0x0f,                  // 5: i64
             0x17, 1, 2, 3, 4, 5, 6, 7, 8,                        // 6: double
             0x18, 0x03, 'a', 'b', 'c',                           // 7: binary
             0x19, 0x28, 0x01, 'x', 0x00,                         // 8: list<binary> ["x", ""]
             0x1a, 0x25, 0x02, 0x04,                              // 9: set<i32> {1, 2}
             0x1b, 0x02, 0x85, 0x01, 'k', 0x02, 0x01, 'm', 0x04,  // 10: map<binary,i32> {"k": 1, "m": 2}
             0x1b, 0x00,                                          // 11: empty map
             0x1c, 0x15, 0x02, 0x1c, 0x19, 0x1c, 0x11, 0x00,  // 12: struct { 1: i32, 2: struct { 1: list<struct>[{1:
                                                              // true}] } }
             0x00, 0x00, 0x19, 0xf5, 0x10,                    // 13: list<i32> long form, 16 elements
             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x15, 0x54,  // 14: i32 42
             0x00});
  Reader r(in, 0, "test");
  Reader::FieldHeader f;
  r.begin_struct();
  int skipped = 0;
  int32_t value = 0;
  while (r.next_field(f)) {
    if (f.id == 14) {
      value = r.read_i32();
    } else {
      r.skip_field(f);
      ++skipped;
    }
  }
  EXPECT_EQ(skipped, 13);
  EXPECT_EQ(value, 42);
  EXPECT_EQ(r.position(), in.size());
}

TEST(ThriftCompactReader, TruncatedInputNamesTheOffset) {
  // A binary claiming 5 bytes with 2 left; offsets are reported relative to the file.
  const std::string in = bytes({0x18, 0x05, 'a', 'b'});
  Reader r(in, 1000, "footer");
  Reader::FieldHeader f;
  r.begin_struct();
  ASSERT_TRUE(r.next_field(f));
  EXPECT_EQ(error_of([&] { r.read_binary(); }),
            "footer at byte offset 1001: binary length 5 exceeds the remaining 2 bytes");

  const std::string in_r2 = bytes({0x15});
  Reader r2(in_r2, 40, "page header");
  r2.begin_struct();
  ASSERT_TRUE(r2.next_field(f));
  EXPECT_EQ(error_of([&] { r2.read_i32(); }), "page header at byte offset 41: truncated Thrift data");

  // A struct without its STOP byte.
  const std::string in_r4 = bytes({0x15, 0x02});
  Reader r4(in_r4, 0, "footer");
  EXPECT_EQ(error_of([&] { r4.skip(ThriftType::STRUCT); }), "footer at byte offset 2: truncated Thrift data");

  // A varint whose continuation bit never clears.
  const std::string in_r5 = bytes({0x80, 0x80});
  Reader r5(in_r5, 7, "footer");
  EXPECT_EQ(error_of([&] { r5.read_i64(); }), "footer at byte offset 9: truncated Thrift data");
  // A double cut short.
  const std::string in_r6 = bytes({1, 2, 3});
  Reader r6(in_r6, 0, "footer");
  EXPECT_EQ(error_of([&] { r6.read_double(); }), "footer at byte offset 0: truncated Thrift double");
}

TEST(ThriftCompactReader, AbsurdContainerSizesAreRefused) {
  // list<i32> claiming 2^31 elements, with 1 byte left.
  const std::string in_r = bytes({0xf5, 0x80, 0x80, 0x80, 0x80, 0x08, 0x00});
  Reader r(in_r, 10, "footer");
  EXPECT_EQ(error_of([&] { r.read_list_header(); }),
            "footer at byte offset 10: list of 2147483648 elements exceeds the remaining 1 bytes");
  // The same through skip(), as for an unknown field.
  const std::string in_r2 = bytes({0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00});
  Reader r2(in_r2, 0, "footer");
  Reader::FieldHeader f;
  r2.begin_struct();
  ASSERT_TRUE(r2.next_field(f));
  EXPECT_EQ(error_of([&] { r2.skip_field(f); }),
            "footer at byte offset 1: list of 4294967295 elements exceeds the remaining 1 bytes");
  // A map of 1000 entries in 3 bytes.
  const std::string in_r3 = bytes({0xe8, 0x07, 0x55, 0x00, 0x00, 0x00});
  Reader r3(in_r3, 0, "footer");
  EXPECT_EQ(error_of([&] { r3.skip(ThriftType::MAP); }),
            "footer at byte offset 0: map of 1000 entries exceeds the remaining 3 bytes");
}

TEST(ThriftCompactReader, MalformedBytes) {
  Reader::FieldHeader f;
  // Field type 13 does not exist.
  const std::string in_r = bytes({0x1d, 0x00});
  Reader r(in_r, 0, "footer");
  r.begin_struct();
  EXPECT_EQ(error_of([&] { r.next_field(f); }), "footer at byte offset 0: unknown Thrift field type 13");
  // An 11-byte varint.
  const std::string in_r2 = bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  Reader r2(in_r2, 0, "footer");
  EXPECT_EQ(error_of([&] { r2.read_i64(); }), "footer at byte offset 10: varint overflows 64 bits");
  // An i32 out of range (zigzag 2^32).
  const std::string in_r3 = bytes({0x80, 0x80, 0x80, 0x80, 0x10});
  Reader r3(in_r3, 0, "footer");
  EXPECT_EQ(error_of([&] { r3.read_i32(); }), "footer at byte offset 0: i32 value 2147483648 out of range");
  // A list whose element type is 0.
  const std::string in_r4 = bytes({0x10});
  Reader r4(in_r4, 0, "footer");
  EXPECT_EQ(error_of([&] { r4.read_list_header(); }), "footer at byte offset 1: unknown Thrift element type 0");
}

TEST(ThriftCompactReader, NestingDepthIsLimited) {
  // 100 nested structs as field 1 of each other: skipping must stop at the limit, not recurse on.
  std::string in;
  for (int i = 0; i < 100; ++i) in.push_back(0x1c);
  in.append(101, '\0');
  Reader r(in, 0, "footer");
  EXPECT_EQ(error_of([&] { r.skip(ThriftType::STRUCT); }), "footer at byte offset 64: Thrift nesting deeper than 64");

  // Lists of lists nest too.
  std::string lists(200, static_cast<char>(0x19));
  Reader r2(lists, 0, "footer");
  EXPECT_EQ(error_of([&] { r2.skip(ThriftType::LIST); }), "footer at byte offset 65: Thrift nesting deeper than 64");

  // 64 levels are fine.
  std::string ok;
  for (int i = 0; i < 63; ++i) ok.push_back(0x1c);
  ok.append(64, '\0');
  Reader r3(ok, 0, "footer");
  r3.skip(ThriftType::STRUCT);
  EXPECT_EQ(r3.position(), ok.size());
}

}  // namespace
}  // namespace aesync::parquet
