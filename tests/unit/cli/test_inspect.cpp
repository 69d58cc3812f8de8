// `aesync inspect`: value formatting, and the whole text/JSON output for a file from DuckDB.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>

#include "cli/inspect_command.h"
#include "util/error.h"

namespace aesync::cli {
namespace {

using inspect::Cell;

std::string le(uint64_t v, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

parquet::SchemaColumn column(parquet::PhysicalType t) {
  parquet::SchemaColumn c;
  c.name = "c";
  c.type = t;
  return c;
}

std::string json_of(const Cell& c) {
  std::string out;
  inspect::append_cell_json(out, c);
  return out;
}

TEST(InspectFormat, Doubles) {
  EXPECT_EQ(inspect::format_double(0.1), "0.1");
  EXPECT_EQ(inspect::format_double(1498.5), "1498.5");
  EXPECT_EQ(inspect::format_double(1e100), "1e+100");
  EXPECT_EQ(inspect::format_double(123456789012.0), "123456789012");
  EXPECT_EQ(inspect::format_double(-0.0), "-0");
  EXPECT_EQ(inspect::format_double(5e-324), "5e-324");
  EXPECT_EQ(inspect::format_double(std::nan("")), "NaN");
  EXPECT_EQ(inspect::format_double(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(inspect::format_double(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(inspect::format_float(0.1f), "0.1");
  EXPECT_EQ(inspect::format_float(0.33333334f), "0.33333334");
}

TEST(InspectFormat, DisplayTextEscapesAndTruncates) {
  EXPECT_EQ(inspect::display_text("hello", 40), "hello");
  EXPECT_EQ(inspect::display_text("a\nb\tc\rd", 40), "a\\nb\\tc\\rd");
  EXPECT_EQ(inspect::display_text(std::string("x\x01y\x7f", 4), 40), "x\\u0001y\\u007F");
  EXPECT_EQ(inspect::display_text("\xc2\x85", 40), "\\u0085");  // C1 control NEL
  EXPECT_EQ(inspect::display_text("a\xff"
                                  "b",
                                  40),
            "a\\xFFb");
  EXPECT_EQ(inspect::display_text("caf\xc3\xa9 \xf0\x9f\x9a\x80", 40), "caf\xc3\xa9 \xf0\x9f\x9a\x80");
  // Exactly 40 characters stay; 41 become 39 + "…".
  EXPECT_EQ(inspect::display_text(std::string(40, 'a'), 40), std::string(40, 'a'));
  EXPECT_EQ(inspect::display_text(std::string(41, 'a'), 40), std::string(39, 'a') + "\xe2\x80\xa6");
  // Truncation counts characters, not bytes, and never splits one.
  std::string e45;
  for (int i = 0; i < 45; ++i) e45 += "\xc3\xa9";
  std::string e39;
  for (int i = 0; i < 39; ++i) e39 += "\xc3\xa9";
  EXPECT_EQ(inspect::display_text(e45, 40), e39 + "\xe2\x80\xa6");
  EXPECT_EQ(inspect::display_width(e39 + "\xe2\x80\xa6"), 40u);
  // Escapes count with their visible width.
  EXPECT_EQ(inspect::display_text(std::string(5, '\n'), 6), "\\n\\n\xe2\x80\xa6");
}

TEST(InspectFormat, ValidUtf8ReplacesBadBytes) {
  EXPECT_EQ(inspect::valid_utf8("plain \xc3\xa9 \xf0\x9f\x9a\x80"), "plain \xc3\xa9 \xf0\x9f\x9a\x80");
  EXPECT_EQ(inspect::valid_utf8("a\xff"
                                "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(inspect::valid_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong '/'
  EXPECT_EQ(inspect::valid_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  EXPECT_EQ(inspect::valid_utf8("\xf4\x90\x80\x80").size(), 12u);                          // past U+10FFFF
  EXPECT_EQ(inspect::valid_utf8("ab\xe2\x82"), "ab\xef\xbf\xbd\xef\xbf\xbd");              // cut short
}

TEST(InspectFormat, DecodesStatistics) {
  using parquet::PhysicalType;
  auto i32 = column(PhysicalType::INT32);
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(i32, le(static_cast<uint32_t>(-5), 4))), "-5");
  i32.is_unsigned = true;
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(i32, le(0xffffffff, 4))), "4294967295");
  auto i64 = column(PhysicalType::INT64);
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(i64, le(static_cast<uint64_t>(INT64_MIN), 8))),
            "-9223372036854775808");
  i64.is_unsigned = true;
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(i64, le(UINT64_MAX, 8))), "18446744073709551615");
  EXPECT_EQ(json_of(inspect::decode_statistic(i64, le(UINT64_MAX, 8))), "18446744073709551615");
  auto ts = column(PhysicalType::INT64);
  ts.timestamp_unit = parquet::TimeUnit::MICROS;
  // At the unit's precision: nothing floored away.
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(ts, le(1767225600123456, 8))), "2026-01-01 00:00:00.123456");
  EXPECT_EQ(json_of(inspect::decode_statistic(ts, le(static_cast<uint64_t>(-1), 8))), "\"1969-12-31 23:59:59.999999\"");
  ts.timestamp_unit = parquet::TimeUnit::MILLIS;
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(ts, le(1767225600123, 8))), "2026-01-01 00:00:00.123");
  const auto dbl = column(PhysicalType::DOUBLE);
  double d = 2.5;
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(dbl, le(bits, 8))), "2.5");
  d = -std::numeric_limits<double>::infinity();
  std::memcpy(&bits, &d, 8);
  EXPECT_EQ(json_of(inspect::decode_statistic(dbl, le(bits, 8))), "\"-inf\"");
  const auto flt = column(PhysicalType::FLOAT);
  float f = 0.1f;
  uint32_t fbits;
  std::memcpy(&fbits, &f, 4);
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(flt, le(fbits, 4))), "0.1");
  EXPECT_EQ(json_of(inspect::decode_statistic(flt, le(fbits, 4))), "0.1");
  f = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(&fbits, &f, 4);
  EXPECT_EQ(json_of(inspect::decode_statistic(flt, le(fbits, 4))), "\"NaN\"");
  const auto b = column(PhysicalType::BOOLEAN);
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(b, std::string(1, '\1'))), "true");
  EXPECT_EQ(json_of(inspect::decode_statistic(b, std::string(1, '\0'))), "false");
  auto s = column(PhysicalType::BYTE_ARRAY);
  s.is_text = true;  // STRING / UTF8
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(s, "org-0")), "org-0");
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(s, std::string(50, 'q'))),
            std::string(39, 'q') + "\xe2\x80\xa6");
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(s, std::string("a\xff", 2))), "a\\xFF");  // escaped
  // Bytes not annotated as text, and statistics of the wrong size, show as hex, even when they
  // happen to be valid UTF-8.
  const auto binary = column(PhysicalType::BYTE_ARRAY);
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(binary, std::string("\xff\x00\x01", 3))), "0xff0001");
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(binary, "org-0")), "0x6f72672d30");
  EXPECT_EQ(inspect::cell_text(inspect::decode_statistic(dbl, "\x01\x02")), "0x0102");
  // INT96 is a timestamp; one whose nanoseconds are not a time of day shows as its bytes.
  EXPECT_EQ(json_of(inspect::decode_statistic(column(PhysicalType::INT96), std::string(12, '\0'))),
            "\"-4713-11-24 00:00:00.000000000\"");
  EXPECT_EQ(json_of(inspect::decode_statistic(column(PhysicalType::INT96), std::string(12, '\xff'))),
            "\"0xffffffffffffffffffffffff\"");
}

TEST(InspectFormat, JsonCells) {
  Cell null;
  EXPECT_EQ(inspect::cell_text(null), "NULL");
  EXPECT_EQ(json_of(null), "null");
  Cell s;
  s.kind = Cell::Kind::String;
  s.s = "say \"hi\"\\\n\x01 \xc3\xa9";
  EXPECT_EQ(json_of(s), "\"say \\\"hi\\\"\\\\\\n\\u0001 \xc3\xa9\"");
  s.s = "bad \xff byte";
  EXPECT_EQ(json_of(s), "\"bad \xef\xbf\xbd byte\"");
  Cell d;
  d.kind = Cell::Kind::Double;
  d.d = std::nan("");
  EXPECT_EQ(json_of(d), "\"NaN\"");
  d.d = std::numeric_limits<double>::infinity();
  EXPECT_EQ(json_of(d), "\"inf\"");
  d.d = 1e-7;
  EXPECT_EQ(json_of(d), "1e-07");
  Cell t;
  t.kind = Cell::Kind::Timestamp;
  t.i = 1769904001500;
  EXPECT_EQ(json_of(t), "\"2026-02-01 00:00:01.500\"");
  EXPECT_EQ(inspect::cell_text(t), "2026-02-01 00:00:01.500");
  Cell i;
  i.kind = Cell::Kind::Int;
  i.i = -42;
  EXPECT_EQ(json_of(i), "-42");
}

const std::string kDuckDbFile = std::string(AESYNC_TEST_DATA) + "/parquet/duckdb_zstd.parquet";

TEST(Inspect, TextOutput) {
  std::ostringstream out;
  EXPECT_EQ(run_inspect(kDuckDbFile, 3, false, out), 0);
  EXPECT_EQ(out.str(), "file           " + kDuckDbFile + R"j(
size           2721 bytes
created by     DuckDB version v1.5.6 (build 069cc9f9b5)
version        1
rows           300
row groups     1
column orders  yes

schema: 5 columns
  column  physical    logical                converted         repetition
  ------  ----------  ---------------------  ----------------  ----------
  id      INT64       -                      INT_64            OPTIONAL
  org     BYTE_ARRAY  -                      UTF8              OPTIONAL
  value   DOUBLE      -                      -                 OPTIONAL
  ts      INT64       TIMESTAMP(MICROS,UTC)  TIMESTAMP_MICROS  OPTIONAL
  proc    BYTE_ARRAY  -                      UTF8              OPTIONAL

row group 0: 300 rows, 7323 bytes uncompressed
  column  codec  encodings         compressed  uncompressed  nulls  min                         max
  ------  -----  ----------------  ----------  ------------  -----  --------------------------  --------------------------
  id      ZSTD   PLAIN                    494          2427      0  0                           299
  org     ZSTD   PLAIN_DICTIONARY         112           279      0  org-0                       org-4
  value   ZSTD   PLAIN                    353          1890     75  0.5                         149.5
  ts      ZSTD   PLAIN                    985          2427      0  2026-02-01 00:00:00.000000  2026-02-01 00:07:28.500000
  proc    ZSTD   PLAIN_DICTIONARY         134           300    100  p0                          p9

first 3 rows of 300
  id  org    value  ts                          proc
  --  -----  -----  --------------------------  ----
   0  org-0   NULL  2026-02-01 00:00:00.000000  NULL
   1  org-1    0.5  2026-02-01 00:00:01.500000  p1
   2  org-2      1  2026-02-01 00:00:03.000000  p2
)j");
}

TEST(Inspect, JsonOutput) {
  std::ostringstream out;
  EXPECT_EQ(run_inspect(kDuckDbFile, 2, true, out), 0);
  EXPECT_EQ(
      out.str(),
      "{\"path\":\"" + kDuckDbFile +
          "\",\"bytes\":2721,"
          R"j("created_by":"DuckDB version v1.5.6 (build 069cc9f9b5)","num_rows":300,"schema":[)j"
          R"j({"name":"id","physical_type":"INT64","logical_type":"INT_64","converted_type":"INT_64","repetition":"OPTIONAL"},)j"
          R"j({"name":"org","physical_type":"BYTE_ARRAY","logical_type":"UTF8","converted_type":"UTF8","repetition":"OPTIONAL"},)j"
          R"j({"name":"value","physical_type":"DOUBLE","logical_type":null,"converted_type":null,"repetition":"OPTIONAL"},)j"
          R"j({"name":"ts","physical_type":"INT64","logical_type":"TIMESTAMP(MICROS,UTC)","converted_type":"TIMESTAMP_MICROS","repetition":"OPTIONAL"},)j"
          R"j({"name":"proc","physical_type":"BYTE_ARRAY","logical_type":"UTF8","converted_type":"UTF8","repetition":"OPTIONAL"}],)j"
          R"j("row_groups":[{"rows":300,"total_byte_size":7323,"columns":[)j"
          R"j({"name":"id","codec":"ZSTD","encodings":["PLAIN"],"compressed_bytes":494,"uncompressed_bytes":2427,"null_count":0,"min":0,"max":299},)j"
          R"j({"name":"org","codec":"ZSTD","encodings":["PLAIN_DICTIONARY"],"compressed_bytes":112,"uncompressed_bytes":279,"null_count":0,"min":"org-0","max":"org-4"},)j"
          R"j({"name":"value","codec":"ZSTD","encodings":["PLAIN"],"compressed_bytes":353,"uncompressed_bytes":1890,"null_count":75,"min":0.5,"max":149.5},)j"
          R"j({"name":"ts","codec":"ZSTD","encodings":["PLAIN"],"compressed_bytes":985,"uncompressed_bytes":2427,"null_count":0,"min":"2026-02-01 00:00:00.000000","max":"2026-02-01 00:07:28.500000"},)j"
          R"j({"name":"proc","codec":"ZSTD","encodings":["PLAIN_DICTIONARY"],"compressed_bytes":134,"uncompressed_bytes":300,"null_count":100,"min":"p0","max":"p9"}]}],)j"
          R"j("rows":[{"id":0,"org":"org-0","value":null,"ts":"2026-02-01 00:00:00.000000","proc":null},)j"
          R"j({"id":1,"org":"org-1","value":0.5,"ts":"2026-02-01 00:00:01.500000","proc":"p1"}]})j"
          "\n");
}

TEST(Inspect, RowsAcrossRowGroupsAndZeroRows) {
  const std::string ch = std::string(AESYNC_TEST_DATA) + "/parquet/clickhouse_gzip.parquet";
  std::ostringstream out;
  run_inspect(ch, 0, true, out);
  EXPECT_NE(out.str().find("\"rows\":[]}"), std::string::npos);
  std::ostringstream text;
  run_inspect(ch, 0, false, text);
  EXPECT_EQ(text.str().find("first "), std::string::npos);
  EXPECT_NE(text.str().find("\nrow group 2: 100 rows, "), std::string::npos);
  // 150 rows span the first two row groups (100 each).
  std::ostringstream many;
  run_inspect(ch, 150, true, many);
  EXPECT_NE(many.str().find(R"j({"id":149,"org":"org-4","value":74.5,"ts":"2026-02-01 00:03:43.500","proc":"p6"}]})j"),
            std::string::npos);
  EXPECT_EQ(many.str().find(R"j("id":150,)j"), std::string::npos);
}

TEST(Inspect, MissingFileThrows) {
  std::ostringstream out;
  EXPECT_THROW(run_inspect("/nonexistent/x.parquet", 10, false, out), StorageError);
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace aesync::cli
