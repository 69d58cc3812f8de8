#include <gtest/gtest.h>

#include "schema/mapper.h"
#include "util/error.h"

using namespace aesync;

namespace {

// Fills raw values in the mapper's raw column order from name -> value setters.
struct RowBuilder {
  const std::vector<RawColumn>& cols;
  std::vector<RawValue> values;
  explicit RowBuilder(const std::vector<RawColumn>& c) : cols(c), values(c.size()) {}
  RawValue& at(const char* name) {
    for (size_t i = 0; i < cols.size(); ++i)
      if (cols[i].name() == name) return values[i];
    throw std::logic_error(std::string("no raw column ") + name);
  }
  RawRow row(uint64_t line) const { return RawRow{values.data(), values.size(), line}; }
};

}  // namespace

TEST(Schema, BuiltinRawColumns) {
  std::vector<std::string> names;
  for (RawColumn c : Schema::builtin_machine_metrics().raw_columns()) names.push_back(c.name());
  EXPECT_EQ(names, (std::vector<std::string>{"timestamp", "index1", "blob1", "blob2", "blob3", "blob4", "blob5",
                                             "_sample_interval", "double1", "double2", "double3", "double4"}));
}

TEST(Schema, ParsesRawColumnNames) {
  EXPECT_EQ(RawColumn::parse("blob20")->number, 20);
  EXPECT_EQ(RawColumn::parse("double1")->kind, RawColumn::Kind::Double);
  for (const char* bad : {"blob0", "blob21", "blob01", "index2", "double", "Blob1", "ts"})
    EXPECT_FALSE(RawColumn::parse(bad)) << bad;
  EXPECT_TRUE(can_map(*RawColumn::parse("double3"), ColumnType::Int64));
  EXPECT_FALSE(can_map(*RawColumn::parse("blob3"), ColumnType::Double));
  EXPECT_FALSE(can_map(*RawColumn::parse("timestamp"), ColumnType::String));
}

TEST(Mapper, BuiltinMappingOfOneResourceAndOneStartupRow) {
  const Schema schema = Schema::builtin_machine_metrics();
  Mapper mapper(schema);
  RowBatch batch(schema);
  RowBuilder b(mapper.raw_columns());
  b.at("timestamp").i = 1000;
  b.at("index1").s = "m1";
  b.at("blob1").s = "org";
  b.at("blob2").s = "proj";
  b.at("blob3").s = "2x";
  b.at("blob4").s = "resource";
  b.at("blob5").s = "";
  b.at("_sample_interval").i = 10;
  b.at("double1").d = 91.5;
  b.at("double2").d = 42;
  mapper.append(b.row(1), batch);
  b.at("blob4").s = "startup";
  b.at("blob5").s = "node";
  b.at("double1").d = 31000;
  mapper.append(b.row(2), batch);

  ASSERT_EQ(batch.rows, 2u);
  auto col = [&](const char* name) -> const ColumnBuffer& {
    for (size_t i = 0; i < schema.columns.size(); ++i)
      if (schema.columns[i].name == name) return batch.columns[i];
    throw std::logic_error(name);
  };
  EXPECT_EQ(col("timestamp").ints, (std::vector<int64_t>{1000, 1000}));
  EXPECT_EQ(col("machine_id").string_at(1), "m1");
  EXPECT_TRUE(col("process_name").is_null(0));
  EXPECT_EQ(col("process_name").string_at(1), "node");
  EXPECT_EQ(col("sample_interval").ints, (std::vector<int64_t>{10, 10}));
  EXPECT_EQ(col("value1").doubles, (std::vector<double>{91.5, 31000}));
  EXPECT_FALSE(col("cpu_percent").is_null(0));
  EXPECT_EQ(col("cpu_percent").doubles[0], 91.5);
  EXPECT_TRUE(col("cpu_percent").is_null(1));
  EXPECT_EQ(col("memory_percent").doubles[0], 42);
  EXPECT_TRUE(col("time_to_ready_ms").is_null(0));
  EXPECT_EQ(col("time_to_ready_ms").doubles[1], 31000);
  EXPECT_FALSE(col("value1").nullable);
}

TEST(Mapper, Int64FromDoubleMustBeIntegral) {
  Schema schema;
  schema.columns = {{"n", *RawColumn::parse("double3"), ColumnType::Int64, std::nullopt, false}};
  Mapper mapper(schema);
  RowBatch batch(schema);
  RowBuilder b(mapper.raw_columns());
  b.at("double3").d = -42;
  mapper.append(b.row(1), batch);
  EXPECT_EQ(batch.columns[0].ints, (std::vector<int64_t>{-42}));
  b.at("double3").d = 1.5;
  try {
    mapper.append(b.row(7), batch);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "line 7: column \"n\" (int64 from double3): 1.500000 is not an integer");
  }
  b.at("double3").d = 9223372036854775808.0;
  EXPECT_THROW(mapper.append(b.row(8), batch), InputError);
}

TEST(RowBatch, ClearKeepsLayout) {
  ColumnBuffer c(ColumnType::String, true);
  c.append_string("ab");
  c.append_null();
  c.append_string("");
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.string_at(0), "ab");
  EXPECT_TRUE(c.is_null(1));
  EXPECT_FALSE(c.is_null(2));
  EXPECT_EQ(c.string_at(2), "");
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.offsets, (std::vector<uint32_t>{0}));
}
