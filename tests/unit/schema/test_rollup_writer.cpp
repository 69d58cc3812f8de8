#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "schema/rollup_writer.h"

using namespace aesync;

namespace {

using K = RawColumn::Kind;
constexpr int64_t kHour = 3600000;

// The TableWriter contract (src/schema/table_writer.h): write() gets non-empty batches, close()
// once at the end. Keeps a copy of every batch and whether it was closed.
struct Capture {
  std::vector<RowBatch> batches;
  bool closed = false;
};
class CapturingWriter final : public TableWriter {
 public:
  explicit CapturingWriter(Capture& c) : c_(c) {}
  void write(const RowBatch& batch) override {
    if (c_.closed) throw std::logic_error("write after close");
    if (batch.rows == 0) throw std::logic_error("empty batch");
    c_.batches.push_back(batch);
  }
  void close() override {
    if (c_.closed) throw std::logic_error("closed twice");
    c_.closed = true;
  }

 private:
  Capture& c_;
};

// A mapping with a string by column, a nullable string, doubles (one nullable) and an int64.
TableShape shape_of(std::vector<std::string> by, std::vector<std::string> values, int64_t every = 3600) {
  TableShape s;
  s.mapping.columns = {
      {"timestamp", {K::Timestamp, 0}, ColumnType::Timestamp, std::nullopt, false},
      {"machine_id", {K::Index, 1}, ColumnType::String, std::nullopt, false},
      {"org_id", {K::Blob, 1}, ColumnType::String, std::nullopt, true},
      {"cpu", {K::Double, 1}, ColumnType::Double, std::nullopt, false},
      {"mem", {K::Double, 2}, ColumnType::Double, WhenCondition{{K::Blob, 4}, "resource"}, false},
      {"count", {K::Double, 3}, ColumnType::Int64, std::nullopt, false},
      {"level", {K::Double, 4}, ColumnType::Double, std::nullopt, false},
  };
  s.rollup = RollupSpec{every, std::move(by), std::move(values)};
  return s;
}

struct Null {};
using Cell = std::variant<Null, std::string, double, int64_t>;

// Appends one row, cells in the batch's column order, each stored by its column's type.
void add_row(RowBatch& batch, const std::vector<Cell>& cells) {
  ASSERT_EQ(cells.size(), batch.columns.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    ColumnBuffer& c = batch.columns[i];
    if (std::holds_alternative<Null>(cells[i])) {
      ASSERT_TRUE(c.nullable) << "column " << i;
      c.append_null();
    } else if (c.type == ColumnType::String) {
      c.append_string(std::get<std::string>(cells[i]));
    } else if (c.type == ColumnType::Double) {
      c.append_double(std::get<double>(cells[i]));
    } else {
      c.append_int(std::get<int64_t>(cells[i]));
    }
  }
  ++batch.rows;
}

// NaN as "nan" whatever its sign bit (x86's 0/0 sets it).
std::string exact(double d) {
  if (std::isnan(d)) return "nan";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

// Every written row as "a|b|c" (NULL for a NULL, doubles to 17 digits).
std::vector<std::string> rows_of(const Capture& c) {
  std::vector<std::string> out;
  for (const RowBatch& b : c.batches)
    for (size_t r = 0; r < b.rows; ++r) {
      std::string line;
      for (size_t i = 0; i < b.columns.size(); ++i) {
        const ColumnBuffer& col = b.columns[i];
        if (i > 0) line += "|";
        if (col.is_null(r)) {
          line += "NULL";
        } else if (col.type == ColumnType::String) {
          line += col.string_at(r);
        } else if (col.type == ColumnType::Double) {
          line += exact(col.doubles[r]);
        } else {
          line += std::to_string(col.ints[r]);
        }
      }
      out.push_back(line);
    }
  return out;
}

struct Rollup {
  TableShape shape;
  Capture capture;
  RollupWriter writer;
  RowBatch in;
  explicit Rollup(TableShape s)
      : shape(std::move(s)), writer(shape, std::make_unique<CapturingWriter>(capture)), in(shape.input_schema()) {}
  void row(const std::vector<Cell>& cells) { add_row(in, cells); }
  void send() {
    writer.write(in);
    in.clear();
  }
};

}  // namespace

TEST(RollupWriter, OneRowPerBucketAndGroupWrittenWhenTheBucketCloses) {
  Rollup r(shape_of({"machine_id"}, {"cpu"}));
  // input: bucket ts, machine_id, cpu, weight
  r.row({int64_t{1000}, std::string("m2"), 1.0, int64_t{1}});
  r.row({int64_t{2000}, std::string("m1"), 2.0, int64_t{2}});
  r.row({int64_t{kHour - 1}, std::string("m1"), 4.0, int64_t{1}});
  r.send();
  EXPECT_TRUE(r.capture.batches.empty());  // the first hour is still open
  r.row({int64_t{kHour}, std::string("m1"), 8.0, int64_t{3}});
  r.row({int64_t{kHour + 5}, std::string("m1"), -1.0, int64_t{1}});
  r.row({int64_t{3 * kHour + 7}, std::string("m3"), 0.5, int64_t{2}});
  r.send();
  ASSERT_EQ(r.capture.batches.size(), 2u);  // hours 0 and 1; hour 3 still open
  EXPECT_FALSE(r.capture.closed);
  r.writer.close();
  EXPECT_TRUE(r.capture.closed);
  ASSERT_EQ(r.capture.batches.size(), 3u);
  // timestamp|machine_id|samples|weight|cpu_min|cpu_max|cpu_sum|cpu_avg
  EXPECT_EQ(rows_of(r.capture), (std::vector<std::string>{
                                    "0|m1|2|3|2|4|6|" + exact((2.0 * 2 + 4.0 * 1) / 3),
                                    "0|m2|1|1|1|1|1|1",
                                    "3600000|m1|2|4|-1|8|7|" + exact((8.0 * 3 + -1.0 * 1) / 4),
                                    "10800000|m3|1|2|0.5|0.5|0.5|0.5",
                                }));
  EXPECT_EQ(r.writer.late_rows(), 0u);
  const RowBatch& b = r.capture.batches[0];
  ASSERT_EQ(b.columns.size(), 8u);
  for (const ColumnBuffer& c : b.columns) EXPECT_FALSE(c.nullable);
}

TEST(RollupWriter, ABucketOfADayAndNegativeTimestampsFloor) {
  Rollup r(shape_of({}, {"cpu"}, 86400));
  r.row({int64_t{-1}, 1.0, int64_t{1}});  // 1969-12-31: the day before
  r.row({int64_t{0}, 2.0, int64_t{1}});
  r.row({int64_t{86399999}, 3.0, int64_t{1}});
  r.send();
  r.writer.close();
  EXPECT_EQ(rows_of(r.capture), (std::vector<std::string>{"-86400000|1|1|1|1|1|1", "0|2|2|2|3|5|2.5"}));
}

TEST(RollupWriter, NullByValuesAreGroupsOrderedFirstAndStringsOrderByBytes) {
  Rollup r(shape_of({"org_id", "machine_id"}, {"cpu"}));
  const Null null;
  r.row({int64_t{10}, std::string("b"), std::string("m1"), 1.0, int64_t{1}});
  r.row({int64_t{11}, null, std::string("m2"), 2.0, int64_t{1}});
  r.row({int64_t{12}, std::string("\xc3\xa9"), std::string("m1"), 3.0, int64_t{1}});  // "é": bytes above 0x7f
  r.row({int64_t{13}, std::string("ab"), std::string("m1"), 4.0, int64_t{1}});
  r.row({int64_t{14}, std::string("a"), std::string("m2"), 5.0, int64_t{1}});
  r.row({int64_t{15}, std::string(""), std::string("m1"), 6.0, int64_t{1}});
  r.row({int64_t{16}, null, std::string("m1"), 7.0, int64_t{1}});
  r.row({int64_t{17}, std::string("a"), std::string("m1"), 8.0, int64_t{1}});
  r.row({int64_t{18}, std::string("a\0z", 3), std::string("m1"), 9.0, int64_t{1}});
  r.row({int64_t{19}, null, std::string("m2"), 10.0, int64_t{1}});
  r.send();
  r.writer.close();
  std::vector<std::string> rows = rows_of(r.capture);
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows[5], std::string("0|a\0z|m1|1|1|9|9|9|9", 20));
  rows.erase(rows.begin() + 5);
  EXPECT_EQ(rows, (std::vector<std::string>{
                      "0|NULL|m1|1|1|7|7|7|7",
                      "0|NULL|m2|2|2|2|10|12|6",
                      "0||m1|1|1|6|6|6|6",
                      "0|a|m1|1|1|8|8|8|8",
                      "0|a|m2|1|1|5|5|5|5",
                      "0|ab|m1|1|1|4|4|4|4",
                      "0|b|m1|1|1|1|1|1|1",
                      "0|\xc3\xa9|m1|1|1|3|3|3|3",
                  }));
  EXPECT_TRUE(r.capture.batches[0].columns[1].nullable);   // org_id
  EXPECT_FALSE(r.capture.batches[0].columns[2].nullable);  // machine_id
}

TEST(RollupWriter, NullableValuesSkipNullRowsAndAreNullWhenEveryRowIsNull) {
  Rollup r(shape_of({"machine_id"}, {"mem", "cpu"}));
  const Null null;
  // input: ts, machine_id, mem (nullable), cpu, weight
  r.row({int64_t{1}, std::string("m1"), null, 1.0, int64_t{5}});
  r.row({int64_t{2}, std::string("m1"), null, 2.0, int64_t{5}});
  r.row({int64_t{3}, std::string("m2"), 10.0, 3.0, int64_t{1}});
  r.row({int64_t{4}, std::string("m2"), null, 4.0, int64_t{7}});
  r.row({int64_t{5}, std::string("m2"), 40.0, 5.0, int64_t{3}});
  r.send();
  r.writer.close();
  // timestamp|machine_id|samples|weight|mem_min|mem_max|mem_sum|mem_avg|cpu_min|cpu_max|cpu_sum|cpu_avg
  EXPECT_EQ(rows_of(r.capture), (std::vector<std::string>{
                                    "0|m1|2|10|NULL|NULL|NULL|NULL|1|2|3|1.5",
                                    // mem over its rows 3 and 5 only: (10*1 + 40*3) / (1 + 3)
                                    "0|m2|3|11|10|40|50|32.5|3|5|12|" + exact((3.0 * 1 + 4.0 * 7 + 5.0 * 3) / 11),
                                }));
  const RowBatch& b = r.capture.batches[0];
  for (size_t i = 4; i < 8; ++i) EXPECT_TRUE(b.columns[i].nullable) << i;
  for (size_t i = 8; i < 12; ++i) EXPECT_FALSE(b.columns[i].nullable) << i;
}

TEST(RollupWriter, Int64ValuesKeepTheirTypeForMinAndMax) {
  Rollup r(shape_of({"machine_id"}, {"count"}));
  r.row({int64_t{1}, std::string("m1"), int64_t{-7}, int64_t{2}});
  r.row({int64_t{2}, std::string("m1"), int64_t{9007199254740993}, int64_t{1}});  // 2^53 + 1: not a double
  r.row({int64_t{3}, std::string("m1"), int64_t{3}, int64_t{1}});
  r.send();
  r.writer.close();
  const RowBatch& b = r.capture.batches.at(0);
  EXPECT_EQ(b.columns[4].type, ColumnType::Int64);  // count_min
  EXPECT_EQ(b.columns[5].type, ColumnType::Int64);  // count_max
  EXPECT_EQ(b.columns[6].type, ColumnType::Double);
  EXPECT_EQ(b.columns[7].type, ColumnType::Double);
  double sum = 0, weighted = 0;
  for (auto [v, w] : std::vector<std::pair<int64_t, int64_t>>{{-7, 2}, {9007199254740993, 1}, {3, 1}}) {
    sum += static_cast<double>(v);
    weighted += static_cast<double>(v) * static_cast<double>(w);
  }
  EXPECT_EQ(rows_of(r.capture),
            (std::vector<std::string>{"0|m1|3|4|-7|9007199254740993|" + exact(sum) + "|" + exact(weighted / 4)}));
}

TEST(RollupWriter, SumsAccumulateInInputOrderAndAvgIsWeighted) {
  Rollup r(shape_of({}, {"cpu"}));
  const std::vector<std::pair<double, int64_t>> in = {{0.1, 1}, {0.2, 2}, {0.3, 3}, {1e16, 1}, {-1e16, 4}, {0.7, 60}};
  double sum = 0, weighted = 0;
  int64_t weight = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    r.row({static_cast<int64_t>(i), in[i].first, in[i].second});
    sum += in[i].first;
    weighted += in[i].first * static_cast<double>(in[i].second);
    weight += in[i].second;
  }
  r.send();
  r.writer.close();
  const RowBatch& b = r.capture.batches.at(0);
  ASSERT_EQ(b.rows, 1u);
  EXPECT_EQ(b.columns[3].doubles[0], -1e16);
  EXPECT_EQ(b.columns[4].doubles[0], 1e16);
  EXPECT_EQ(std::bit_cast<uint64_t>(b.columns[5].doubles[0]), std::bit_cast<uint64_t>(sum));
  EXPECT_EQ(std::bit_cast<uint64_t>(b.columns[6].doubles[0]),
            std::bit_cast<uint64_t>(weighted / static_cast<double>(weight)));
  EXPECT_EQ(b.columns[2].ints[0], 71);  // weight
}

TEST(RollupWriter, LateRowsAreAggregatedApartAndWrittenAtClose) {
  Rollup r(shape_of({"machine_id"}, {"cpu"}));
  r.row({int64_t{5}, std::string("m1"), 1.0, int64_t{1}});
  r.row({int64_t{kHour + 5}, std::string("m1"), 2.0, int64_t{1}});
  r.row({int64_t{10}, std::string("m1"), 3.0, int64_t{2}});         // late: hour 0
  r.row({int64_t{kHour + 6}, std::string("m2"), 4.0, int64_t{1}});  // the open hour: not late
  r.send();
  r.row({int64_t{2 * kHour}, std::string("m1"), 5.0, int64_t{1}});
  r.row({int64_t{kHour + 7}, std::string("m1"), 6.0, int64_t{1}});  // late: hour 1
  r.row({int64_t{11}, std::string("m1"), 7.0, int64_t{2}});         // late: hour 0 again
  r.row({int64_t{12}, std::string("m0"), 8.0, int64_t{1}});         // late: hour 0, a new group
  r.send();
  EXPECT_EQ(r.writer.late_rows(), 4u);
  r.writer.close();
  EXPECT_EQ(r.writer.late_rows(), 4u);
  EXPECT_EQ(rows_of(r.capture), (std::vector<std::string>{
                                    "0|m1|1|1|1|1|1|1",
                                    "3600000|m1|1|1|2|2|2|2",
                                    "3600000|m2|1|1|4|4|4|4",
                                    "7200000|m1|1|1|5|5|5|5",
                                    // the late rows, by bucket then group
                                    "0|m0|1|1|8|8|8|8",
                                    "0|m1|2|4|3|7|10|5",
                                    "3600000|m1|1|1|6|6|6|6",
                                }));
}

TEST(RollupWriter, MoreGroupsThanOneOutputBatch) {
  TableShape shape = shape_of({}, {"cpu"});
  shape.rollup->by = {"count"};  // an int64 by column: ascending numbers, negatives first
  shape.rollup->values = {"level"};
  Rollup r(shape);
  const int64_t groups = static_cast<int64_t>(RollupWriter::kMaxOutputRows) + 10;
  for (int64_t g = groups - 1; g >= 0; --g) r.row({int64_t{100}, g - 5, static_cast<double>(g), int64_t{1}});
  r.send();
  EXPECT_TRUE(r.capture.batches.empty());
  r.writer.close();
  ASSERT_EQ(r.capture.batches.size(), 2u);
  EXPECT_EQ(r.capture.batches[0].rows, RollupWriter::kMaxOutputRows);
  EXPECT_EQ(r.capture.batches[1].rows, 10u);
  int64_t expected = -5;
  bool ordered = true;
  for (const RowBatch& b : r.capture.batches)
    for (size_t i = 0; i < b.rows; ++i, ++expected)
      ordered = ordered && b.columns[1].ints[i] == expected && b.columns[4].doubles[i] == expected + 5.0;
  EXPECT_TRUE(ordered);
  EXPECT_EQ(expected, groups - 5);
}

TEST(RollupWriter, DoubleByValuesAndNaNValues) {
  TableShape shape = shape_of({}, {"cpu"});
  shape.rollup->by = {"level"};
  Rollup r(shape);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  r.row({int64_t{1}, 2.5, 1.0, int64_t{1}});
  r.row({int64_t{2}, -0.0, nan, int64_t{1}});  // NaN first: replaced by the next number
  r.row({int64_t{3}, 0.0, 3.0, int64_t{1}});   // the same group as -0.0
  r.row({int64_t{4}, nan, 4.0, int64_t{1}});
  r.row({int64_t{5}, -inf, 5.0, int64_t{1}});
  r.row({int64_t{6}, -2.0, nan, int64_t{1}});  // only NaN: min and max are NaN
  r.row({int64_t{7}, 0.0, nan, int64_t{1}});   // NaN after a number: ignored by min/max
  r.row({int64_t{8}, 0.0, -1.0, int64_t{1}});
  r.row({int64_t{9}, -nan, 6.0, int64_t{1}});  // the same NaN group
  r.send();
  r.writer.close();
  EXPECT_EQ(rows_of(r.capture), (std::vector<std::string>{
                                    "0|-inf|1|1|5|5|5|5",
                                    "0|-2|1|1|nan|nan|nan|nan",
                                    "0|0|4|4|-1|3|nan|nan",
                                    "0|2.5|1|1|1|1|1|1",
                                    "0|nan|2|2|4|6|10|5",
                                }));
  EXPECT_FALSE(std::signbit(r.capture.batches[0].columns[1].doubles[2]));  // 0.0, not -0.0
}

TEST(RollupWriter, ZeroWeightAvgIsNullWhenNullableElseTheQuotient) {
  Rollup r(shape_of({}, {"mem", "cpu"}));
  r.row({int64_t{1}, 2.0, 3.0, int64_t{0}});
  r.row({int64_t{kHour}, 2.0, 0.0, int64_t{0}});
  r.send();
  r.writer.close();
  EXPECT_EQ(rows_of(r.capture),
            (std::vector<std::string>{"0|1|0|2|2|2|NULL|3|3|3|nan", "3600000|1|0|2|2|2|NULL|0|0|0|nan"}));
}

TEST(RollupWriter, EmptyInputWritesNothingButClosesTheOutput) {
  Rollup r(shape_of({"machine_id"}, {"cpu"}));
  r.send();  // an empty batch
  r.writer.close();
  EXPECT_TRUE(r.capture.batches.empty());
  EXPECT_TRUE(r.capture.closed);
  EXPECT_EQ(r.writer.late_rows(), 0u);
  r.writer.close();  // a second close does nothing
}

TEST(RollupWriter, RefusesATableWithoutRollupAndAWrongBatch) {
  TableShape plain = shape_of({}, {"cpu"});
  plain.rollup.reset();
  Capture c;
  EXPECT_THROW(RollupWriter(plain, std::make_unique<CapturingWriter>(c)), std::invalid_argument);
  Rollup r(shape_of({"machine_id"}, {"cpu"}));
  RowBatch wrong(r.shape.mapping);
  EXPECT_THROW(r.writer.write(wrong), std::invalid_argument);
}
