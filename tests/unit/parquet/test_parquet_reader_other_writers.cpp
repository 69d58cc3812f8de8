// What files from other writers hold that aesync's own do not (issue 16), on hand-built files:
// DECIMAL columns of the four physical types (LogicalType or ConvertedType), FIXED_LEN_BYTE_ARRAY
// and INT96 values, data pages v2 whose body is empty (parquet-mr 1.13), 0-row chunks without a
// data page offset (Arrow C++ 17), encrypted files ("PARE"); and the exact text of the values
// (value_text.h).
#include <gtest/gtest.h>

#include <snappy.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "hand_built_parquet.h"
#include "parquet/delta_binary_packed_encoder.h"
#include "parquet/delta_byte_array.h"
#include "parquet/parquet_reader.h"
#include "parquet/value_text.h"
#include "util/error.h"

namespace aesync::parquet {
namespace {

using namespace handmade;  // NOLINT: the hand-built file helpers

std::string be(std::initializer_list<int> b) { return bytes(b); }

std::string text_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

// ---------------------------------------------------------------------------------------------
// Value text

TEST(ValueText, DecimalFromIntegers) {
  EXPECT_EQ(decimal_text(100, 2), "1.00");
  EXPECT_EQ(decimal_text(-5, 2), "-0.05");
  EXPECT_EQ(decimal_text(0, 2), "0.00");
  EXPECT_EQ(decimal_text(0, 0), "0");
  EXPECT_EQ(decimal_text(-7, 0), "-7");
  EXPECT_EQ(decimal_text(123456789, 9), "0.123456789");
  EXPECT_EQ(decimal_text(INT32_MIN, 2), "-21474836.48");
  EXPECT_EQ(decimal_text(INT64_MIN, 0), "-9223372036854775808");
  EXPECT_EQ(decimal_text(INT64_MAX, 18), "9.223372036854775807");
  EXPECT_EQ(decimal_text(-1, 18), "-0.000000000000000001");
}

TEST(ValueText, DecimalFromBigEndianTwosComplement) {
  EXPECT_EQ(decimal_text(be({0x01, 0x00}), 3), "0.256");
  EXPECT_EQ(decimal_text(be({0xff}), 3), "-0.001");
  EXPECT_EQ(decimal_text(be({0x80}), 0), "-128");
  EXPECT_EQ(decimal_text(be({0x00, 0x80}), 0), "128");
  EXPECT_EQ(decimal_text(be({0x00}), 2), "0.00");
  EXPECT_EQ(decimal_text(std::string(16, '\0'), 10), "0.0000000000");
  EXPECT_EQ(decimal_text(std::string(16, '\xff'), 10), "-0.0000000001");
  // 12345678901234567890123 in 10 and (negated) 16 bytes: wider than any machine integer.
  EXPECT_EQ(decimal_text(be({0x02, 0x9d, 0x42, 0xb6, 0x4e, 0x76, 0x71, 0x42, 0x44, 0xcb}), 3),
            "12345678901234567890.123");
  EXPECT_EQ(
      decimal_text(be({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd, 0x62, 0xbd, 0x49, 0xb1, 0x89, 0x8e, 0xbd, 0xbb, 0x35}),
                   10),
      "-1234567890123.4567890123");
  // The most negative 16-byte value: -2^127.
  EXPECT_EQ(decimal_text(std::string(1, '\x80') + std::string(15, '\0'), 0),
            "-170141183460469231731687303715884105728");
  EXPECT_EQ(text_error([] { decimal_text(std::string_view(), 2); }), "DECIMAL value of 0 bytes (needs at least 1)");
  EXPECT_EQ(text_error([] { decimal_text(std::string(65, '\1'), 2); }),
            "DECIMAL value of 65 bytes is longer than the 64 read");
}

TEST(ValueText, Int96Timestamps) {
  // Spark: nanoseconds of the day (8 bytes LE), then the Julian day (4 bytes LE).
  const auto int96 = [](uint64_t nanos, uint32_t julian_day) { return le64(nanos) + le32(julian_day); };
  EXPECT_EQ(int96_timestamp_text(int96(0, 2440588)), "1970-01-01 00:00:00.000000000");
  EXPECT_EQ(int96_timestamp_text(int96(11045123456789, 2461043)), "2026-01-02 03:04:05.123456789");
  EXPECT_EQ(int96_timestamp_text(int96(86399999999999, 2440587)), "1969-12-31 23:59:59.999999999");
  EXPECT_EQ(int96_timestamp_text(int96(0, 0)), "-4713-11-24 00:00:00.000000000");
  EXPECT_EQ(text_error([&] { int96_timestamp_text(int96(86400000000000, 2440588)); }),
            "INT96 timestamp of Julian day 2440588: 86400000000000 nanoseconds is not a time of day (0 to "
            "86399999999999)");
  EXPECT_EQ(text_error([&] { int96_timestamp_text(int96(static_cast<uint64_t>(-1), 2440588)); }),
            "INT96 timestamp of Julian day 2440588: -1 nanoseconds is not a time of day (0 to 86399999999999)");
  EXPECT_EQ(text_error([] { int96_timestamp_text("short"); }), "INT96 value of 5 bytes (needs 12)");
}

TEST(ValueText, Float16UuidAndTimes) {
  EXPECT_EQ(float16_value(be({0x00, 0x3c})), 1.0f);
  EXPECT_EQ(float16_value(be({0x00, 0xc0})), -2.0f);
  EXPECT_EQ(float16_value(be({0x00, 0x35})), 0.3125f);
  EXPECT_EQ(float16_value(be({0xff, 0x7b})), 65504.0f);
  EXPECT_EQ(float16_value(be({0x01, 0x00})), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(float16_value(be({0x00, 0xfc})), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(float16_value(be({0x01, 0x7c}))));
  EXPECT_TRUE(std::signbit(float16_value(be({0x00, 0x80}))));
  EXPECT_EQ(text_error([] { float16_value("abc"); }), "FLOAT16 value of 3 bytes (needs 2)");
  EXPECT_EQ(
      uuid_text(be({0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0x00, 0x00})),
      "550e8400-e29b-41d4-a716-446655440000");
  EXPECT_EQ(text_error([] { uuid_text("abc"); }), "UUID value of 3 bytes (needs 16)");
  EXPECT_EQ(timestamp_text(1767225600123456, TimeUnit::MICROS), "2026-01-01 00:00:00.123456");
  EXPECT_EQ(timestamp_text(-1, TimeUnit::MICROS), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(timestamp_text(-1, TimeUnit::NANOS), "1969-12-31 23:59:59.999999999");
  EXPECT_EQ(timestamp_text(1500, TimeUnit::MILLIS), "1970-01-01 00:00:01.500");
  EXPECT_EQ(time_text(3723004, TimeUnit::MILLIS), "01:02:03.004");
  EXPECT_EQ(time_text(86399999999, TimeUnit::MICROS), "23:59:59.999999");
  EXPECT_EQ(text_error([] { time_text(86400000, TimeUnit::MILLIS); }), "TIME value 86400000 is not a time of day");
}

// ---------------------------------------------------------------------------------------------
// DECIMAL columns

TEST(OtherWriters, DecimalColumnsOfEachPhysicalType) {
  TestColumn i32;  // LogicalType DECIMAL(9,2)
  i32.name = "d9";
  i32.type = kInt32;
  i32.logical = [](Thrift& t) { t.begin(5).i32(1, 2).i32(2, 9).end(); };
  i32.num_values = 3;
  i32.pages = data_page_v1(3, kPlain, le32(100) + le32(static_cast<uint32_t>(-5)) + le32(0));
  TestColumn i64;  // ConvertedType DECIMAL with the element's precision and scale (old writers)
  i64.name = "d18";
  i64.converted = 5;
  i64.extra_schema = [](Thrift& t) { t.i32(7, 0).i32(8, 18); };
  i64.num_values = 3;
  i64.pages = data_page_v1(3, kPlain, le64(1234567890123) + le64(static_cast<uint64_t>(-1)) + le64(0));
  TestColumn ba;
  ba.name = "dba";
  ba.type = kByteArray;
  ba.repetition = kOptional;
  ba.converted = 5;
  ba.extra_schema = [](Thrift& t) { t.i32(7, 3).i32(8, 25); };
  ba.num_values = 3;
  const std::string wide = be({0x02, 0x9d, 0x42, 0xb6, 0x4e, 0x76, 0x71, 0x42, 0x44, 0xcb});
  ba.pages = data_page_v1(3, kPlain, v1_levels({1, 0, 1}) + plain_string(wide) + plain_string(be({0xff, 0xfe})));
  TestColumn flba;
  flba.name = "d38";
  flba.type = kFixedLenByteArray;
  flba.extra_schema = [](Thrift& t) { t.i32(2, 16); };
  flba.logical = [](Thrift& t) { t.begin(5).i32(1, 10).i32(2, 38).end(); };
  flba.converted = 5;
  flba.num_values = 3;
  flba.pages = data_page_v1(
      3, kPlain,
      std::string(16, '\xff') + std::string(15, '\0') + "\x01" + std::string(1, '\x80') + std::string(15, '\0'));
  const ParquetReader r = ParquetReader::from_bytes(build_file({i32, i64, ba, flba}, 3), "t.parquet");

  const FileMetadata& m = r.metadata();
  ASSERT_EQ(m.columns.size(), 4u);
  const std::vector<std::string> logical{"DECIMAL(9,2)", "DECIMAL(18,0)", "DECIMAL(25,3)", "DECIMAL(38,10)"};
  const std::vector<std::pair<int, int>> ps{{9, 2}, {18, 0}, {25, 3}, {38, 10}};
  for (size_t c = 0; c < 4; ++c) {
    EXPECT_EQ(m.columns[c].logical_type, logical[c]);
    ASSERT_TRUE(m.columns[c].decimal.has_value());
    EXPECT_EQ(m.columns[c].decimal->precision, ps[c].first);
    EXPECT_EQ(m.columns[c].decimal->scale, ps[c].second);
  }
  EXPECT_EQ(m.columns[3].type_length, 16);

  // Integer decimals read as their unscaled values, byte forms as their bytes.
  const RowBatch b = r.read_row_group(0);
  EXPECT_EQ(b.columns[0].type, ColumnType::Int64);
  EXPECT_EQ(b.columns[0].ints, (std::vector<int64_t>{100, -5, 0}));
  EXPECT_EQ(b.columns[1].ints, (std::vector<int64_t>{1234567890123, -1, 0}));
  EXPECT_EQ(b.columns[2].type, ColumnType::String);
  EXPECT_EQ(b.columns[2].defined, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(b.columns[2].string_at(0), wide);
  EXPECT_EQ(b.columns[2].string_at(2), be({0xff, 0xfe}));
  EXPECT_EQ(b.columns[3].type, ColumnType::String);
  EXPECT_EQ(b.columns[3].string_at(0), std::string(16, '\xff'));

  // Their text, as `inspect` shows it.
  EXPECT_EQ(decimal_text(b.columns[0].ints[1], 2), "-0.05");
  EXPECT_EQ(decimal_text(b.columns[1].ints[0], 0), "1234567890123");
  EXPECT_EQ(decimal_text(b.columns[2].string_at(0), 3), "12345678901234567890.123");
  EXPECT_EQ(decimal_text(b.columns[2].string_at(2), 3), "-0.002");
  EXPECT_EQ(decimal_text(b.columns[3].string_at(0), 10), "-0.0000000001");
  EXPECT_EQ(decimal_text(b.columns[3].string_at(1), 10), "0.0000000001");
  EXPECT_EQ(decimal_text(b.columns[3].string_at(2), 10), "-17014118346046923173168730371.5884105728");
}

TEST(OtherWriters, InvalidDecimalsAreRefusedWithTheFooter) {
  const auto footer_error = [](int type, int precision, int scale, bool with_precision = true) {
    TestColumn c;
    c.name = "d";
    c.type = type;
    c.converted = 5;
    c.extra_schema = [=](Thrift& t) {
      t.i32(7, scale);
      if (with_precision) t.i32(8, precision);
    };
    c.num_values = 0;
    return text_error([&] { ParquetReader::from_bytes(build_file({c}, 0), "t.parquet"); });
  };
  EXPECT_EQ(footer_error(kInt32, 4, 5),
            "t.parquet: column 'd' has an invalid DECIMAL(4,5) (needs 1 <= precision <= 154 and 0 <= scale <= "
            "precision)");
  EXPECT_EQ(footer_error(kInt64, 0, 0),
            "t.parquet: column 'd' has an invalid DECIMAL(0,0) (needs 1 <= precision <= 154 and 0 <= scale <= "
            "precision)");
  EXPECT_EQ(footer_error(kInt32, 9, 2, false), "t.parquet: column 'd' is a DECIMAL without a precision");
  EXPECT_EQ(footer_error(kDouble, 9, 2), "t.parquet: column 'd': DECIMAL(9,2) cannot annotate physical type DOUBLE");
}

// ---------------------------------------------------------------------------------------------
// FIXED_LEN_BYTE_ARRAY and INT96

TEST(OtherWriters, FixedLenByteArrayPlainDictionaryAndByteStreamSplit) {
  TestColumn plain;
  plain.name = "raw";
  plain.type = kFixedLenByteArray;
  plain.repetition = kOptional;
  plain.extra_schema = [](Thrift& t) { t.i32(2, 3); };
  plain.num_values = 3;
  plain.pages = data_page_v1(3, kPlain, v1_levels({1, 1, 0}) + "abc" + std::string("\0\xff\x01", 3));
  TestColumn dict = plain;
  dict.name = "dict";
  dict.repetition = kRequired;
  dict.encodings = {kPlain, kRleDictionary};
  dict.dictionary = dictionary_page(2, "xyz" + std::string("\x00\x00\x07", 3));
  dict.pages = data_page_v1(3, kRleDictionary, bytes({1, 0x03, 0x02}));  // indices 0 1 0
  TestColumn split = plain;
  split.name = "split";
  split.repetition = kRequired;
  split.encodings = {kByteStreamSplit};
  split.pages = data_page_v1(3, kByteStreamSplit, "adgbehcfi");  // abc def ghi, byte k of each in turn
  const RowBatch b = ParquetReader::from_bytes(build_file({plain, dict, split}, 3)).read_row_group(0);
  EXPECT_EQ(b.columns[0].defined, (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_EQ(b.columns[0].string_at(0), "abc");
  EXPECT_EQ(b.columns[0].string_at(1), std::string("\0\xff\x01", 3));
  EXPECT_EQ(b.columns[1].string_at(0), "xyz");
  EXPECT_EQ(b.columns[1].string_at(1), std::string("\0\0\x07", 3));
  EXPECT_EQ(b.columns[1].string_at(2), "xyz");
  EXPECT_EQ(b.columns[2].string_at(0), "abc");
  EXPECT_EQ(b.columns[2].string_at(1), "def");
  EXPECT_EQ(b.columns[2].string_at(2), "ghi");

  TestColumn short_page = plain;
  short_page.repetition = kRequired;
  short_page.pages = data_page_v1(3, kPlain, "abcdefgh");
  EXPECT_EQ(text_error([&] { ParquetReader::from_bytes(build_file({short_page}, 3), "t.parquet").read_row_group(0); }),
            "t.parquet: row group 0, column 'raw', page at byte offset 4: PLAIN data needs 3 values of 3 bytes, the "
            "page holds 8 bytes");
}

TEST(OtherWriters, Int96PlainAndDictionary) {
  const std::string a = le64(11045123456789) + le32(2461043), z = le64(0) + le32(2440588);
  TestColumn plain;
  plain.name = "spark_ts";
  plain.type = kInt96;
  plain.repetition = kOptional;
  plain.num_values = 3;
  plain.pages = data_page_v1(3, kPlain, v1_levels({1, 0, 1}) + a + z);
  TestColumn dict = plain;
  dict.name = "spark_dict";
  dict.encodings = {kPlain, kRle, kPlainDictionary};
  dict.dictionary = dictionary_page(2, z + a);
  dict.pages = data_page_v1(3, kPlainDictionary, v1_levels({1, 1, 0}) + bytes({1, 0x03, 0x01}));  // 1 0
  const ParquetReader r = ParquetReader::from_bytes(build_file({plain, dict}, 3));
  EXPECT_EQ(column_type_of(r.metadata().columns[0]), ColumnType::String);
  const RowBatch b = r.read_row_group(0);
  EXPECT_EQ(int96_timestamp_text(b.columns[0].string_at(0)), "2026-01-02 03:04:05.123456789");
  EXPECT_EQ(int96_timestamp_text(b.columns[0].string_at(2)), "1970-01-01 00:00:00.000000000");
  EXPECT_EQ(b.columns[1].defined, (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_EQ(b.columns[1].string_at(0), a);
  EXPECT_EQ(b.columns[1].string_at(1), z);
}

TEST(OtherWriters, TimestampsReadAsStored) {
  TestColumn c;
  c.name = "ts";
  c.logical = [](Thrift& t) { t.begin(8).boolean(1, true).begin(2).begin(2).end().end().end(); };  // MICROS, UTC
  c.num_values = 2;
  c.pages = data_page_v1(2, kPlain, le64(1767225600123456) + le64(static_cast<uint64_t>(-1)));
  const ParquetReader r = ParquetReader::from_bytes(build_file({c}, 2));
  EXPECT_EQ(r.metadata().columns[0].logical_type, "TIMESTAMP(MICROS,UTC)");
  const RowBatch ms = r.read_row_group(0);
  EXPECT_EQ(ms.columns[0].type, ColumnType::Timestamp);
  EXPECT_EQ(ms.columns[0].ints, (std::vector<int64_t>{1767225600123, -1}));
  const RowBatch stored = r.read_row_group(0, ParquetReader::Timestamps::AsStored);
  EXPECT_EQ(stored.columns[0].type, ColumnType::Int64);
  EXPECT_EQ(stored.columns[0].ints, (std::vector<int64_t>{1767225600123456, -1}));
}

// ---------------------------------------------------------------------------------------------
// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (v2 writers' strings and decimals)

std::string delta_lengths(std::vector<int64_t> v) {
  std::string out;
  append_delta_binary_packed(v.data(), v.size(), out);
  return out;
}

TEST(OtherWriters, DeltaLengthAndDeltaByteArrays) {
  TestColumn dlba;  // DuckDB's PARQUET_VERSION V2 strings
  dlba.name = "s";
  dlba.type = kByteArray;
  dlba.repetition = kOptional;
  dlba.converted = 0;
  dlba.encodings = {6};
  dlba.num_values = 4;
  dlba.pages = data_page_v2(4, 1, 6, bitpacked_levels({1, 1, 0, 1}), delta_lengths({5, 0, 3}) + "helloabc",
                            delta_lengths({5, 0, 3}).size() + 8, false);
  TestColumn dba;  // parquet-mr's v2 strings: shared prefixes
  dba.name = "p";
  dba.type = kByteArray;
  dba.encodings = {7};
  dba.num_values = 4;
  // apple, applet, apricot, b: prefixes 0 5 2 0, suffixes "apple" "t" "ricot" "b"
  dba.pages = data_page_v1(4, 7, delta_lengths({0, 5, 2, 0}) + delta_lengths({5, 1, 5, 1}) + "appletricotb");
  TestColumn flba;  // a FIXED_LEN_BYTE_ARRAY(2) DECIMAL(4,2) so written: 0x0064 (1.00), 0xfffb (-0.05)
  flba.name = "d";
  flba.type = kFixedLenByteArray;
  flba.extra_schema = [](Thrift& t) { t.i32(2, 2); };
  flba.logical = [](Thrift& t) { t.begin(5).i32(1, 2).i32(2, 4).end(); };
  flba.encodings = {7};
  flba.num_values = 4;
  flba.pages = data_page_v1(4, 7,
                            delta_lengths({0, 0, 1, 2}) + delta_lengths({2, 2, 1, 0}) +
                                bytes({0x00, 0x64, 0xff, 0xfb, 0x00}));  // then 0xff00 (-2.56), 0xff00
  const RowBatch b = ParquetReader::from_bytes(build_file({dlba, dba, flba}, 4), "t.parquet").read_row_group(0);
  EXPECT_EQ(b.columns[0].defined, (std::vector<uint8_t>{1, 1, 0, 1}));
  EXPECT_EQ(b.columns[0].string_at(0), "hello");
  EXPECT_EQ(b.columns[0].string_at(1), "");
  EXPECT_EQ(b.columns[0].string_at(3), "abc");
  EXPECT_EQ(b.columns[1].string_at(0), "apple");
  EXPECT_EQ(b.columns[1].string_at(1), "applet");
  EXPECT_EQ(b.columns[1].string_at(2), "apricot");
  EXPECT_EQ(b.columns[1].string_at(3), "b");
  EXPECT_EQ(decimal_text(b.columns[2].string_at(0), 2), "1.00");
  EXPECT_EQ(decimal_text(b.columns[2].string_at(1), 2), "-0.05");
  EXPECT_EQ(decimal_text(b.columns[2].string_at(2), 2), "-2.56");
  EXPECT_EQ(decimal_text(b.columns[2].string_at(3), 2), "-2.56");
}

TEST(OtherWriters, MalformedDeltaByteArraysNameTheProblem) {
  std::string bytes_out;
  std::vector<uint32_t> ends;
  EXPECT_EQ(decode_delta_byte_array(delta_lengths({0, 6}) + delta_lengths({5, 1}) + "applet", 2, 1000, bytes_out, ends),
            "prefix of 6 bytes of value 1 is longer than the value before it (5 bytes)");
  EXPECT_EQ(decode_delta_length_byte_array(delta_lengths({5, 4}) + "hello", 2, 1000, bytes_out, ends),
            "value 1 of 4 bytes passes the page's remaining 0");
  EXPECT_EQ(decode_delta_length_byte_array(delta_lengths({-1}), 1, 1000, bytes_out, ends),
            "length -1 of value 0 is negative");
  EXPECT_EQ(decode_delta_length_byte_array(delta_lengths({5}), 2, 1000, bytes_out, ends),
            "lengths: holds 1 values, the page needs 2");
  // A long value repeated by its prefixes may not pass the budget.
  EXPECT_EQ(decode_delta_byte_array(delta_lengths({0, 10, 10}) + delta_lengths({10, 0, 0}) + std::string(10, 'x'), 3,
                                    25, bytes_out, ends),
            "values pass the 25 bytes left");
  // A FIXED_LEN_BYTE_ARRAY value of another width.
  TestColumn c;
  c.name = "d";
  c.type = kFixedLenByteArray;
  c.extra_schema = [](Thrift& t) { t.i32(2, 2); };
  c.encodings = {6};
  c.num_values = 1;
  c.pages = data_page_v1(1, 6, delta_lengths({3}) + "abc");
  EXPECT_EQ(text_error([&] { ParquetReader::from_bytes(build_file({c}, 1), "t.parquet").read_row_group(0); }),
            "t.parquet: row group 0, column 'd', page at byte offset 4: DELTA_LENGTH_BYTE_ARRAY: value 0 of 3 bytes in "
            "a FIXED_LEN_BYTE_ARRAY(2) column");
}

// ---------------------------------------------------------------------------------------------
// Pages and chunks other writers lay out differently

// parquet-mr 1.13 writes v2 pages whose body is empty: every value NULL (the levels say so) or
// no value at all. The body is never handed to the codec, whatever it is.
TEST(OtherWriters, EmptyDataPagesV2AreNeverDecompressed) {
  for (const int codec : {0, 1, 2, 3, 4, 5, 6, 7}) {  // every codec, supported or not
    SCOPED_TRACE("codec " + std::to_string(codec));
    TestColumn c;
    c.name = "f";
    c.type = kFloat;
    c.repetition = kOptional;
    c.codec = codec;
    c.num_values = 3;
    c.pages = data_page_v2(0, 0, kPlain, "", "", 0, true) +                           // no value
              data_page_v2(3, 3, kPlain, bitpacked_levels({0, 0, 0}), "", 0, true) +  // three NULLs
              data_page_v1(0, kPlain, "");                                            // v1, no value
    const RowBatch b = ParquetReader::from_bytes(build_file({c}, 3), "t.parquet").read_row_group(0);
    EXPECT_EQ(b.columns[0].defined, (std::vector<uint8_t>{0, 0, 0}));
  }
  // Arrow C++ compresses the empty values section instead: nothing to decompress either.
  {
    TestColumn c;
    c.name = "i";
    c.type = kInt32;
    c.repetition = kOptional;
    c.codec = 6;  // ZSTD
    c.num_values = 2;
    c.pages = data_page_v2(2, 2, kPlain, bitpacked_levels({0, 0}),
                           bytes({0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x01, 0x00, 0x00}), 0, true);
    const RowBatch b = ParquetReader::from_bytes(build_file({c}, 2)).read_row_group(0);
    EXPECT_EQ(b.columns[0].defined, (std::vector<uint8_t>{0, 0}));
  }
  // With values after it, in a SNAPPY chunk.
  TestColumn c;
  c.name = "f";
  c.type = kFloat;
  c.repetition = kOptional;
  c.codec = 1;
  c.num_values = 3;
  std::string values = f32(2.5f), compressed;
  snappy::Compress(values.data(), values.size(), &compressed);
  c.pages = data_page_v2(2, 2, kPlain, bitpacked_levels({0, 0}), "", 0, true) +
            data_page_v2(1, 0, kPlain, bitpacked_levels({1}), compressed, values.size(), true);
  const RowBatch b = ParquetReader::from_bytes(build_file({c}, 3)).read_row_group(0);
  EXPECT_EQ(b.columns[0].defined, (std::vector<uint8_t>{0, 0, 1}));
  EXPECT_EQ(b.columns[0].doubles[2], 2.5);
}

// Arrow C++ 17 writes a 0-row file whose chunks have data_page_offset 0 and a dictionary page
// offset: nothing in them is read.
TEST(OtherWriters, ZeroRowChunkWithDataPageOffsetZero) {
  TestColumn c;
  c.name = "s";
  c.type = kByteArray;
  c.repetition = kOptional;
  c.logical = [](Thrift& t) { t.begin(1).end(); };
  c.encodings = {kPlain, kRle, kRleDictionary};
  c.num_values = 0;
  c.dictionary = dictionary_page(0, "");
  c.data_page_offset_override = 0;
  const ParquetReader r = ParquetReader::from_bytes(build_file({c}, 0), "t.parquet");
  const ColumnChunkInfo& cc = r.metadata().row_groups[0].columns[0];
  EXPECT_EQ(cc.data_page_offset, 0);
  EXPECT_EQ(cc.dictionary_page_offset, 4);
  EXPECT_EQ(r.metadata().num_rows, 0);
  const RowBatch b = r.read_row_group(0);
  EXPECT_EQ(b.rows, 0u);
  ASSERT_EQ(b.columns.size(), 1u);
  EXPECT_EQ(b.columns[0].size(), 0u);
  // A chunk with values still has to lie in the data.
  c.num_values = 1;
  c.pages = data_page_v1(1, kPlain, v1_levels({0}));
  EXPECT_EQ(text_error([&] { ParquetReader::from_bytes(build_file({c}, 1), "t.parquet"); }),
            "t.parquet: row group 0, column 's': column chunk at byte offset 0 of " +
                std::to_string(c.dictionary.size() + c.pages.size()) + " bytes lies outside the data (bytes 4 to " +
                std::to_string(4 + c.dictionary.size() + c.pages.size()) + ")");
}

// Parquet modular encryption with an encrypted footer: "PARE" at both ends.
TEST(OtherWriters, EncryptedFilesAreNamedAsSuch) {
  TestColumn c;
  c.name = "id";
  c.num_values = 1;
  c.pages = data_page_v1(1, kPlain, le64(7));
  const std::string file = build_file({c}, 1);
  const std::string expected =
      "t.parquet: the file is encrypted (Parquet modular encryption, \"PARE\" magic), which is not supported";
  std::string both = file;
  both.replace(0, 4, "PARE");
  both.replace(both.size() - 4, 4, "PARE");
  EXPECT_EQ(text_error([&] { ParquetReader::from_bytes(both, "t.parquet"); }), expected);
  std::string tail_only = file;
  tail_only.replace(tail_only.size() - 4, 4, "PARE");
  EXPECT_EQ(text_error([&] { ParquetReader::from_bytes(tail_only, "t.parquet"); }), expected);
  std::string head_only = file;
  head_only.replace(0, 4, "PARE");
  EXPECT_EQ(text_error([&] { ParquetReader::from_bytes(head_only, "t.parquet"); }), expected);
  std::string neither = file;
  neither.replace(0, 4, "XXXX");
  EXPECT_EQ(text_error([&] { ParquetReader::from_bytes(neither, "t.parquet"); }),
            "t.parquet: no PAR1 magic at byte offset 0");
}

}  // namespace
}  // namespace aesync::parquet
