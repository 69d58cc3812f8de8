#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <limits>

#include "csv/csv_writer.h"

using namespace aesync;

namespace {

Schema test_schema() {
  Schema s;
  s.columns = {
      {"ts", *RawColumn::parse("timestamp"), ColumnType::Timestamp, std::nullopt, false},
      {"name", *RawColumn::parse("blob1"), ColumnType::String, std::nullopt, true},
      {"v", *RawColumn::parse("double1"), ColumnType::Double, WhenCondition{*RawColumn::parse("blob2"), "x"}, false},
      {"n", *RawColumn::parse("_sample_interval"), ColumnType::Int64, std::nullopt, false}};
  return s;
}

RowBatch test_batch(const Schema& s) {
  RowBatch b(s);
  b.columns[0].append_int(1699473166007);
  b.columns[1].append_string("plain");
  b.columns[2].append_double(0.1);
  b.columns[3].append_int(-5);
  b.columns[0].append_int(0);
  b.columns[1].append_null();
  b.columns[2].append_null();
  b.columns[3].append_int(1);
  b.columns[0].append_int(1000);
  b.columns[1].append_string("a,\"b\"\nc");
  b.columns[2].append_double(std::numeric_limits<double>::quiet_NaN());
  b.columns[3].append_int(0);
  b.rows = 3;
  return b;
}

const char* kExpected =
    "ts,name,v,n\n"
    "2023-11-08 19:52:46.007,plain,0.1,-5\n"
    "1970-01-01 00:00:00.000,,,1\n"
    "1970-01-01 00:00:01.000,\"a,\"\"b\"\"\nc\",nan,0\n";

}  // namespace

TEST(CsvWriter, QuotesNullsAndFormats) {
  const Schema s = test_schema();
  StringSink sink;
  csv::CsvWriter w(s, false, sink);
  w.write(test_batch(s));
  w.close();
  EXPECT_EQ(sink.out, kExpected);
}

TEST(CsvWriter, EmptyStringIsQuotedToStayDistinctFromNull) {
  std::string out;
  Schema s;
  s.columns = {{"a", *RawColumn::parse("blob1"), ColumnType::String, std::nullopt, false}};
  RowBatch b(s);
  b.columns[0].append_string("");
  b.rows = 1;
  StringSink sink;
  csv::CsvWriter w(s, false, sink);
  w.write(b);
  w.close();
  EXPECT_EQ(sink.out, "a\n\"\"\n");
}

TEST(CsvWriter, GzipRoundTrip) {
  const Schema s = test_schema();
  StringSink sink;
  csv::CsvWriter w(s, true, sink);
  w.write(test_batch(s));
  w.close();
  ASSERT_GE(sink.out.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(sink.out[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(sink.out[1]), 0x8b);
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string plain(4096, '\0');
  z.next_in = reinterpret_cast<Bytef*>(sink.out.data());
  z.avail_in = static_cast<uInt>(sink.out.size());
  z.next_out = reinterpret_cast<Bytef*>(plain.data());
  z.avail_out = static_cast<uInt>(plain.size());
  ASSERT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  plain.resize(z.total_out);
  inflateEnd(&z);
  EXPECT_EQ(plain, kExpected);
}
