// ParquetWriter::append(): batches streamed into row groups the writer cuts itself (row count
// or buffered bytes), dictionaries that span batches, a string dictionary given up half way, the
// number plan (trial, dictionary alone, overflow), statistics across batches, and output that
// does not depend on encoding with one thread or two. Files are read back with the project's
// reader and compared value by value.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "parquet/parquet_reader.h"
#include "parquet/parquet_writer.h"
#include "util/byte_sink.h"

using namespace aesync;
using namespace aesync::parquet;

namespace {

Schema test_schema() {
  Schema s;
  ColumnSpec id;
  id.name = "id";
  id.type = ColumnType::String;
  id.from = *RawColumn::parse("index1");
  ColumnSpec v;
  v.name = "v";
  v.type = ColumnType::Double;
  v.from = *RawColumn::parse("double1");
  v.when = WhenCondition{*RawColumn::parse("blob4"), "resource"};  // nullable
  ColumnSpec n;
  n.name = "n";
  n.type = ColumnType::Int64;
  n.from = *RawColumn::parse("_sample_interval");
  s.columns = {id, v, n};
  return s;
}

struct Row {
  std::string id;
  bool has_v;
  double v;
  int64_t n;
};

// Row i of a deterministic data set: `ids` distinct ids, v NULL on every 5th row and drawn from
// `values` distinct numbers, n = i.
Row row_at(size_t i, size_t ids, size_t values) {
  const uint64_t h = (i * 2654435761u) % 1000003;
  return Row{"machine-" + std::to_string(h % ids), i % 5 != 0, static_cast<double>(h % values) / 4,
             static_cast<int64_t>(i)};
}

// Writes rows [0, total) in batches of `batch` rows through append().
std::string write_rows(const Schema& schema, WriterOptions opt, size_t total, size_t batch, size_t ids, size_t values) {
  StringSink sink;
  ParquetWriter w(schema, opt, sink);
  RowBatch b(schema);
  for (size_t i = 0; i < total;) {
    b.clear();
    const size_t end = std::min(total, i + batch);
    for (; i < end; ++i) {
      const Row r = row_at(i, ids, values);
      b.columns[0].append_string(r.id);  // the batch's buffer is reused: the dictionary must copy
      if (r.has_v)
        b.columns[1].append_double(r.v);
      else
        b.columns[1].append_null();
      b.columns[2].append_int(r.n);
      ++b.rows;
    }
    w.append(b);
  }
  w.close();
  EXPECT_EQ(w.rows_written(), total);
  return sink.out;
}

// Reads every row group back and checks every value; returns the row group sizes.
std::vector<int64_t> check_rows(const std::string& file, size_t total, size_t ids, size_t values) {
  const ParquetReader r = ParquetReader::from_bytes(file);
  std::vector<int64_t> sizes;
  size_t i = 0;
  for (size_t g = 0; g < r.metadata().row_groups.size(); ++g) {
    const RowBatch b = r.read_row_group(g);
    sizes.push_back(static_cast<int64_t>(b.rows));
    for (size_t k = 0; k < b.rows; ++k, ++i) {
      const Row e = row_at(i, ids, values);
      EXPECT_EQ(b.columns[0].string_at(k), e.id) << "row " << i;
      EXPECT_EQ(b.columns[1].is_null(k), !e.has_v) << "row " << i;
      if (e.has_v) {
        EXPECT_EQ(b.columns[1].doubles[k], e.v) << "row " << i;
      }
      EXPECT_EQ(b.columns[2].ints[k], e.n) << "row " << i;
      if (testing::Test::HasFailure()) return sizes;
    }
  }
  EXPECT_EQ(i, total);
  return sizes;
}

std::vector<std::string> encodings(const ParquetReader& r, size_t group, size_t column) {
  std::vector<std::string> out;
  for (Encoding e : r.metadata().row_groups.at(group).columns.at(column).encodings) out.push_back(name_of(e));
  return out;
}

}  // namespace

TEST(ParquetWriterAppend, RowGroupsOfRowGroupRowsWhateverTheBatches) {
  const Schema schema = test_schema();
  WriterOptions opt;
  opt.row_group_rows = 10000;
  // Batches of 3000 rows: row groups end inside batches (at 10000, 20000).
  const std::string file = write_rows(schema, opt, 25000, 3000, 300, 50);
  EXPECT_EQ(check_rows(file, 25000, 300, 50), (std::vector<int64_t>{10000, 10000, 5000}));
  const ParquetReader r = ParquetReader::from_bytes(file);
  for (size_t g = 0; g < 3; ++g) {
    // 300 ids across batches: one dictionary per chunk; 50 values: a dictionary too; n
    // (distinct on every row, rising by 1) is DELTA_BINARY_PACKED.
    EXPECT_EQ(encodings(r, g, 0), (std::vector<std::string>{"PLAIN_DICTIONARY"})) << g;
    EXPECT_EQ(encodings(r, g, 1), (std::vector<std::string>{"PLAIN_DICTIONARY", "RLE"})) << g;
    EXPECT_EQ(encodings(r, g, 2), (std::vector<std::string>{"DELTA_BINARY_PACKED"})) << g;
  }
  // Statistics over the whole chunk, not its last batch: n runs 0..9999 in the first group.
  const ColumnChunkInfo& n0 = r.metadata().row_groups[0].columns[2];
  int64_t lo, hi;
  ASSERT_TRUE(n0.statistics.min_value && n0.statistics.max_value);
  std::memcpy(&lo, n0.statistics.min_value->data(), 8);
  std::memcpy(&hi, n0.statistics.max_value->data(), 8);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 9999);
  EXPECT_EQ(r.metadata().row_groups[1].columns[1].statistics.null_count, 2000);
}

TEST(ParquetWriterAppend, OneThreadOrTwoWriteTheSameBytes) {
  const Schema schema = test_schema();
  WriterOptions one;
  one.parallel = false;
  one.row_group_rows = 20000;
  WriterOptions two = one;
  two.parallel = true;
  const std::string a = write_rows(schema, one, 50000, 4096, 5000, 10001);
  const std::string b = write_rows(schema, two, 50000, 4096, 5000, 10001);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_TRUE(a == b);
  check_rows(b, 50000, 5000, 10001);
}

TEST(ParquetWriterAppend, StringDictionaryGivenUpHalfWayKeepsRowOrder) {
  const Schema schema = test_schema();
  WriterOptions opt;
  opt.row_group_rows = 100000;
  // Distinct ids on every row: the dictionary passes 64 KiB during the third batch of 1000
  // rows; the chunk then holds dictionary pages followed by PLAIN pages.
  opt.dictionary_limit_bytes = 64 << 10;
  const std::string file = write_rows(schema, opt, 8000, 1000, 1000003, 50);
  EXPECT_EQ(check_rows(file, 8000, 1000003, 50), (std::vector<int64_t>{8000}));
  const ParquetReader r = ParquetReader::from_bytes(file);
  EXPECT_EQ(encodings(r, 0, 0), (std::vector<std::string>{"PLAIN_DICTIONARY", "PLAIN"}));
}

TEST(ParquetWriterAppend, NumberDictionaryOverflowAfterATrialFallsBackToPlain) {
  const Schema schema = test_schema();
  WriterOptions opt;
  opt.row_group_rows = 4000;
  opt.dictionary_limit_bytes = 8 * 600;  // at most 600 distinct numbers
  StringSink sink;
  ParquetWriter w(schema, opt, sink);
  RowBatch b(schema);
  // Row group 0 (a trial): 40 distinct v -> dictionary. Row group 1 (dictionary alone): 2000
  // distinct v from row 6000 on -> overflow -> PLAIN after the dictionary pages.
  std::vector<double> expected;
  for (size_t batch = 0; batch < 8; ++batch) {
    b.clear();
    for (size_t i = 0; i < 1000; ++i) {
      const size_t row = batch * 1000 + i;
      const double v = row < 6000 ? static_cast<double>(row % 40) : static_cast<double>(row);
      b.columns[0].append_string("m");
      b.columns[1].append_double(v);
      b.columns[2].append_int(1);
      expected.push_back(v);
      ++b.rows;
    }
    w.append(b);
  }
  w.close();
  const ParquetReader r = ParquetReader::from_bytes(sink.out);
  ASSERT_EQ(r.metadata().row_groups.size(), 2u);
  EXPECT_EQ(encodings(r, 0, 1), (std::vector<std::string>{"PLAIN_DICTIONARY", "RLE"}));
  EXPECT_EQ(encodings(r, 1, 1), (std::vector<std::string>{"PLAIN_DICTIONARY", "PLAIN", "RLE"}));
  size_t i = 0;
  for (size_t g = 0; g < 2; ++g) {
    const RowBatch back = r.read_row_group(g);
    for (size_t k = 0; k < back.rows; ++k, ++i) ASSERT_EQ(back.columns[1].doubles[k], expected[i]) << i;
  }
  EXPECT_EQ(i, 8000u);
}

TEST(ParquetWriterAppend, ARowGroupEndsAtRowGroupBytes) {
  const Schema schema = test_schema();
  WriterOptions opt;
  opt.codec = Codec::UNCOMPRESSED;
  opt.row_group_rows = 1'000'000;
  opt.row_group_bytes = 100'000;
  const std::string file = write_rows(schema, opt, 40000, 5000, 100, 10);
  const std::vector<int64_t> sizes = check_rows(file, 40000, 100, 10);
  // Checked after each batch. The first group is a trial: v held three ways (dictionary, PLAIN,
  // BYTE_STREAM_SPLIT: 4 bits + 2 x 8 bytes a value; uncompressed, the last two tie and both
  // stay), n two until PLAIN (8 bytes a row) loses to DELTA_BINARY_PACKED after the first batch:
  // 10,000 rows pass 100,000 bytes. Later groups hold v's dictionary and n's deltas alone (about
  // 2 bytes a row): the other 30,000 rows fit in one.
  EXPECT_EQ(sizes, (std::vector<int64_t>{10000, 30000}));
}

TEST(ParquetWriterAppend, WriteRowGroupClosesTheGroupInProgress) {
  const Schema schema = test_schema();
  StringSink sink;
  ParquetWriter w(schema, WriterOptions{}, sink);
  RowBatch b(schema);
  for (int i = 0; i < 10; ++i) {
    b.columns[0].append_string("a");
    b.columns[1].append_double(1);
    b.columns[2].append_int(i);
  }
  b.rows = 10;
  w.append(b);
  w.write_row_group(b);
  w.append(b);
  w.close();
  EXPECT_EQ(w.row_groups_written(), 3u);
  const ParquetReader r = ParquetReader::from_bytes(sink.out);
  ASSERT_EQ(r.metadata().row_groups.size(), 3u);
  for (const auto& g : r.metadata().row_groups) EXPECT_EQ(g.num_rows, 10);
}
