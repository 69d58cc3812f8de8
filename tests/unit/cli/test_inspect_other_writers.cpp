// `aesync inspect` on hand-built files holding what other writers write (issue 16): DECIMAL of
// the four physical types, FIXED_LEN_BYTE_ARRAY (plain bytes, UUID, FLOAT16), INT96, binary
// BYTE_ARRAY, empty v2 pages, 0-row chunks at offset 0 and encrypted files; the whole output is
// asserted, values exactly, in rows and statistics.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "../parquet/hand_built_parquet.h"
#include "cli/inspect_command.h"
#include "util/error.h"

namespace aesync::cli {
namespace {

using namespace parquet::handmade;  // NOLINT: the hand-built file helpers

// Writes `bytes` to a file of the test's own and removes it at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& bytes) {
    path_ = ::testing::TempDir() + "inspect_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
            ".parquet";
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string inspect_output(const std::string& path, size_t rows, bool json) {
  std::ostringstream out;
  run_inspect(path, rows, json, out);
  return out.str();
}

std::string inspect_error(const std::string& path, size_t rows, bool json) {
  std::ostringstream out;
  try {
    run_inspect(path, rows, json, out);
  } catch (const Error& e) {
    EXPECT_EQ(out.str(), "");  // nothing partial
    return e.what();
  }
  return "(no error)";
}

// Statistics min_value / max_value (fields 6 / 5).
std::function<void(Thrift&)> min_max(const std::string& min, const std::string& max) {
  return [=](Thrift& t) { t.i64(3, 1).bin(5, max).bin(6, min); };
}

// Three rows of each kind of column other writers produce; row 1 is NULL where the column is
// OPTIONAL.
std::string other_writers_file() {
  TestColumn d9;  // LogicalType DECIMAL(9,2) on INT32
  d9.name = "d9";
  d9.type = kInt32;
  d9.repetition = kOptional;
  d9.logical = [](Thrift& t) { t.begin(5).i32(1, 2).i32(2, 9).end(); };
  d9.num_values = 3;
  d9.pages = data_page_v1(3, kPlain, v1_levels({1, 0, 1}) + le32(100) + le32(static_cast<uint32_t>(-5)));
  d9.statistics = min_max(le32(static_cast<uint32_t>(-5)), le32(100));
  TestColumn d18;  // ConvertedType DECIMAL(18,0) on INT64 (old writers)
  d18.name = "d18";
  d18.converted = 5;
  d18.extra_schema = [](Thrift& t) { t.i32(7, 0).i32(8, 18); };
  d18.num_values = 3;
  d18.pages = data_page_v1(3, kPlain, le64(1234567890123) + le64(static_cast<uint64_t>(-1)) + le64(0));
  d18.statistics = min_max(le64(static_cast<uint64_t>(-1)), le64(1234567890123));
  TestColumn dba;  // DECIMAL(25,3) on BYTE_ARRAY (parquet-mr)
  dba.name = "dba";
  dba.type = kByteArray;
  dba.converted = 5;
  dba.extra_schema = [](Thrift& t) { t.i32(7, 3).i32(8, 25); };
  dba.num_values = 3;
  const std::string wide = bytes({0x02, 0x9d, 0x42, 0xb6, 0x4e, 0x76, 0x71, 0x42, 0x44, 0xcb});
  dba.pages = data_page_v1(3, kPlain, plain_string(wide) + plain_string(bytes({0xff})) + plain_string(bytes({0x00})));
  dba.statistics = min_max(bytes({0xff}), wide);
  TestColumn d38;  // DECIMAL(38,10) on FIXED_LEN_BYTE_ARRAY(16) (DuckDB, Spark)
  d38.name = "d38";
  d38.type = kFixedLenByteArray;
  d38.extra_schema = [](Thrift& t) { t.i32(2, 16); };
  d38.logical = [](Thrift& t) { t.begin(5).i32(1, 10).i32(2, 38).end(); };
  d38.num_values = 3;
  const std::string minus_one(16, '\xff'), plus_one = std::string(15, '\0') + "\x01";
  d38.pages = data_page_v1(3, kPlain, minus_one + plus_one + std::string(16, '\0'));
  d38.statistics = min_max(minus_one, plus_one);
  TestColumn uuid;
  uuid.name = "uuid";
  uuid.type = kFixedLenByteArray;
  uuid.repetition = kOptional;
  uuid.extra_schema = [](Thrift& t) { t.i32(2, 16); };
  uuid.logical = [](Thrift& t) { t.begin(14).end(); };
  uuid.num_values = 3;
  const std::string u =
      bytes({0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4, 0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0x00, 0x00});
  uuid.pages = data_page_v1(3, kPlain, v1_levels({1, 0, 1}) + u + std::string(16, '\0'));
  TestColumn raw;  // ClickHouse's FixedString(3): no annotation
  raw.name = "raw";
  raw.type = kFixedLenByteArray;
  raw.extra_schema = [](Thrift& t) { t.i32(2, 3); };
  raw.num_values = 3;
  raw.pages = data_page_v1(3, kPlain, std::string("ab\0", 3) + "0x1" + std::string("\xff\x00\x7f", 3));
  raw.statistics = min_max("0x1", std::string("\xff\x00\x7f", 3));
  TestColumn half;
  half.name = "half";
  half.type = kFixedLenByteArray;
  half.extra_schema = [](Thrift& t) { t.i32(2, 2); };
  half.logical = [](Thrift& t) { t.begin(15).end(); };
  half.num_values = 3;
  half.pages = data_page_v1(3, kPlain, bytes({0x00, 0x3c, 0x00, 0x35, 0x00, 0xc0}));
  TestColumn spark;  // INT96 (Spark): nanoseconds of the day, Julian day
  spark.name = "spark";
  spark.type = kInt96;
  spark.repetition = kOptional;
  spark.num_values = 3;
  spark.pages =
      data_page_v1(3, kPlain, v1_levels({1, 0, 1}) + le64(11045123456789) + le32(2461043) + le64(0) + le32(2440588));
  TestColumn bin;  // BYTE_ARRAY without an annotation: bytes, even those that read as text
  bin.name = "bin";
  bin.type = kByteArray;
  bin.num_values = 3;
  bin.pages = data_page_v1(3, kPlain, plain_string("abc") + plain_string("") + plain_string("0xff"));
  return build_file({d9, d18, dba, d38, uuid, raw, half, spark, bin}, 3);
}

// The "min":...,"max":... of column `name` in the JSON output.
std::string json_min_max(const std::string& json, const std::string& name) {
  const size_t at = json.find("{\"name\":\"" + name + "\",\"codec\"");
  if (at == std::string::npos) return "(no column " + name + ")";
  const size_t min = json.find(",\"min\":", at);
  return json.substr(min + 1, json.find('}', min) - min - 1);
}

TEST(InspectOtherWriters, JsonShowsEveryValueExactly) {
  const TempFile f(other_writers_file());
  const std::string json = inspect_output(f.path(), 10, true);
  EXPECT_NE(
      json.find(
          R"j("schema":[)j"
          R"j({"name":"d9","physical_type":"INT32","logical_type":"DECIMAL(9,2)","converted_type":null,"repetition":"OPTIONAL"},)j"
          R"j({"name":"d18","physical_type":"INT64","logical_type":"DECIMAL(18,0)","converted_type":"DECIMAL","repetition":"REQUIRED"},)j"
          R"j({"name":"dba","physical_type":"BYTE_ARRAY","logical_type":"DECIMAL(25,3)","converted_type":"DECIMAL","repetition":"REQUIRED"},)j"
          R"j({"name":"d38","physical_type":"FIXED_LEN_BYTE_ARRAY","logical_type":"DECIMAL(38,10)","converted_type":null,"repetition":"REQUIRED"},)j"
          R"j({"name":"uuid","physical_type":"FIXED_LEN_BYTE_ARRAY","logical_type":"UUID","converted_type":null,"repetition":"OPTIONAL"},)j"
          R"j({"name":"raw","physical_type":"FIXED_LEN_BYTE_ARRAY","logical_type":null,"converted_type":null,"repetition":"REQUIRED"},)j"
          R"j({"name":"half","physical_type":"FIXED_LEN_BYTE_ARRAY","logical_type":"FLOAT16","converted_type":null,"repetition":"REQUIRED"},)j"
          R"j({"name":"spark","physical_type":"INT96","logical_type":null,"converted_type":null,"repetition":"OPTIONAL"},)j"
          R"j({"name":"bin","physical_type":"BYTE_ARRAY","logical_type":null,"converted_type":null,"repetition":"REQUIRED"}],)j"),
      std::string::npos)
      << json;
  // Statistics, decoded as the rows are.
  EXPECT_EQ(json_min_max(json, "d9"), R"j("min":"-0.05","max":"1.00")j");
  EXPECT_EQ(json_min_max(json, "d18"), R"j("min":"-1","max":"1234567890123")j");
  EXPECT_EQ(json_min_max(json, "dba"), R"j("min":"-0.001","max":"12345678901234567890.123")j");
  EXPECT_EQ(json_min_max(json, "d38"), R"j("min":"-0.0000000001","max":"0.0000000001")j");
  EXPECT_EQ(json_min_max(json, "uuid"), R"j("min":null,"max":null)j");
  EXPECT_EQ(json_min_max(json, "raw"), R"j("min":"0x307831","max":"0xff007f")j");
  // The rows.
  EXPECT_NE(json.find(R"j("rows":[)j"
                      R"j({"d9":"1.00","d18":"1234567890123","dba":"12345678901234567890.123","d38":"-0.0000000001",)j"
                      R"j("uuid":"550e8400-e29b-41d4-a716-446655440000","raw":"0x616200","half":1,)j"
                      R"j("spark":"2026-01-02 03:04:05.123456789","bin":"0x616263"},)j"
                      R"j({"d9":null,"d18":"-1","dba":"-0.001","d38":"0.0000000001","uuid":null,"raw":"0x307831",)j"
                      R"j("half":0.3125,"spark":null,"bin":"0x"},)j"
                      R"j({"d9":"-0.05","d18":"0","dba":"0.000","d38":"0.0000000000",)j"
                      R"j("uuid":"00000000-0000-0000-0000-000000000000","raw":"0xff007f","half":-2,)j"
                      R"j("spark":"1970-01-01 00:00:00.000000000","bin":"0x30786666"}]})j"
                      "\n"),
            std::string::npos)
      << json;
}

TEST(InspectOtherWriters, TextShowsTheSameValues) {
  const TempFile f(other_writers_file());
  const std::string text = inspect_output(f.path(), 10, false);
  EXPECT_NE(text.find("  column  physical                  logical         converted  repetition\n"
                      "  ------  ------------------------  --------------  ---------  ----------\n"
                      "  d9      INT32                     DECIMAL(9,2)    -          OPTIONAL\n"
                      "  d18     INT64                     DECIMAL(18,0)   DECIMAL    REQUIRED\n"
                      "  dba     BYTE_ARRAY                DECIMAL(25,3)   DECIMAL    REQUIRED\n"
                      "  d38     FIXED_LEN_BYTE_ARRAY(16)  DECIMAL(38,10)  -          REQUIRED\n"
                      "  uuid    FIXED_LEN_BYTE_ARRAY(16)  UUID            -          OPTIONAL\n"
                      "  raw     FIXED_LEN_BYTE_ARRAY(3)   -               -          REQUIRED\n"
                      "  half    FIXED_LEN_BYTE_ARRAY(2)   FLOAT16         -          REQUIRED\n"
                      "  spark   INT96                     -               -          OPTIONAL\n"
                      "  bin     BYTE_ARRAY                -               -          REQUIRED\n"),
            std::string::npos)
      << text;
  const size_t rows = text.find("first 3 rows of 3\n");
  ASSERT_NE(rows, std::string::npos) << text;
  EXPECT_EQ(text.substr(rows),
            "first 3 rows of 3\n"
            "     d9            d18                       dba            d38  uuid                                  "
            "raw         half  spark                          bin\n"
            "  -----  -------------  ------------------------  -------------  ------------------------------------  "
            "--------  ------  -----------------------------  ----------\n"
            "   1.00  1234567890123  12345678901234567890.123  -0.0000000001  550e8400-e29b-41d4-a716-446655440000  "
            "0x616200       1  2026-01-02 03:04:05.123456789  0x616263\n"
            "   NULL             -1                    -0.001   0.0000000001  NULL                                  "
            "0x307831  0.3125  NULL                           0x\n"
            "  -0.05              0                     0.000   0.0000000000  00000000-0000-0000-0000-000000000000  "
            "0xff007f      -2  1970-01-01 00:00:00.000000000  0x30786666\n")
      << text;
}

TEST(InspectOtherWriters, ValuesThatCannotBeWhatTheySayAreErrors) {
  TestColumn spark;
  spark.name = "spark";
  spark.type = kInt96;
  spark.num_values = 2;
  spark.pages = data_page_v1(2, kPlain, le64(0) + le32(2440588) + le64(86400000000000) + le32(2440588));
  const TempFile f(build_file({spark}, 2));
  for (const bool json : {true, false})
    EXPECT_EQ(inspect_error(f.path(), 10, json),
              f.path() +
                  ": row group 0, column 'spark', row 1: INT96 timestamp of Julian day 2440588: 86400000000000 "
                  "nanoseconds is not a time of day (0 to 86399999999999)");
  EXPECT_NE(inspect_output(f.path(), 1, true).find(R"j("rows":[{"spark":"1970-01-01 00:00:00.000000000"}]})j"),
            std::string::npos);
}

TEST(InspectOtherWriters, EmptyDataPageV2InASnappyChunk) {
  TestColumn c;
  c.name = "f";
  c.type = kFloat;
  c.repetition = kOptional;
  c.codec = 1;  // SNAPPY
  c.num_values = 2;
  c.pages = data_page_v2(2, 2, kPlain, bitpacked_levels({0, 0}), "", 0, true);
  const TempFile f(build_file({c}, 2));
  EXPECT_NE(inspect_output(f.path(), 10, true).find(R"j("rows":[{"f":null},{"f":null}]})j"), std::string::npos);
}

TEST(InspectOtherWriters, ZeroRowFileWithDataPageOffsetZero) {
  TestColumn c;
  c.name = "s";
  c.type = kByteArray;
  c.repetition = kOptional;
  c.logical = [](Thrift& t) { t.begin(1).end(); };
  c.num_values = 0;
  c.dictionary = dictionary_page(0, "");
  c.data_page_offset_override = 0;
  const TempFile f(build_file({c}, 0));
  for (const size_t rows : {size_t{0}, size_t{10}}) {
    const std::string json = inspect_output(f.path(), rows, true);
    EXPECT_NE(json.find(R"j("num_rows":0,)j"), std::string::npos) << json;
    EXPECT_NE(json.find(R"j("rows":[]})j"), std::string::npos) << json;
  }
  EXPECT_NE(inspect_output(f.path(), 10, false).find("\nfirst 0 rows of 0\n"), std::string::npos);
}

// Old writers' deprecated min/max compared bytes as signed (PARQUET-251): for strings "\xc3\xa9"
// (é) came before "a". Such bounds of byte arrays are not shown; those of numbers are.
TEST(InspectOtherWriters, DeprecatedByteArrayBoundsAreNotShown) {
  TestColumn s;
  s.name = "s";
  s.type = kByteArray;
  s.converted = 0;  // UTF8
  s.num_values = 2;
  s.pages = data_page_v1(2, kPlain, plain_string("a") + plain_string("\xc3\xa9"));
  s.statistics = [](Thrift& t) { t.bin(1, "a").bin(2, "\xc3\xa9"); };  // max, min
  TestColumn n;
  n.name = "n";
  n.num_values = 2;
  n.pages = data_page_v1(2, kPlain, le64(5) + le64(static_cast<uint64_t>(-5)));
  n.statistics = [](Thrift& t) { t.bin(1, le64(5)).bin(2, le64(static_cast<uint64_t>(-5))); };
  const TempFile f(build_file({s, n}, 2));
  const std::string json = inspect_output(f.path(), 0, true);
  EXPECT_EQ(json_min_max(json, "s"), R"j("min":null,"max":null)j");
  EXPECT_EQ(json_min_max(json, "n"), R"j("min":-5,"max":5)j");
}

TEST(InspectOtherWriters, EncryptedFileIsNamedAsSuch) {
  TestColumn c;
  c.name = "id";
  c.num_values = 1;
  c.pages = data_page_v1(1, kPlain, le64(7));
  std::string file = build_file({c}, 1);
  file.replace(0, 4, "PARE");
  file.replace(file.size() - 4, 4, "PARE");
  const TempFile f(file);
  EXPECT_EQ(inspect_error(f.path(), 0, false),
            f.path() + ": the file is encrypted (Parquet modular encryption, \"PARE\" magic), which is not supported");
}

}  // namespace
}  // namespace aesync::cli
