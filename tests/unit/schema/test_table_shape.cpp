#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schema/table_shape.h"

using namespace aesync;

namespace {

using K = RawColumn::Kind;

// "name type nullable|required <raw>" per column.
std::vector<std::string> describe(const Schema& s) {
  std::vector<std::string> out;
  for (const ColumnSpec& c : s.columns)
    out.push_back(c.name + " " + std::string(to_string(c.type)) + (c.nullable() ? " nullable " : " required ") +
                  c.from.name());
  return out;
}

std::vector<std::string> names(const std::vector<RawColumn>& raw) {
  std::vector<std::string> out;
  for (RawColumn r : raw) out.push_back(r.name());
  return out;
}

TableShape builtin_rollup() {
  TableShape t{Schema::builtin_machine_metrics(),
               {},
               RollupSpec{3600, {"machine_id", "process_name"}, {"value1", "sample_interval", "cpu_percent"}}};
  return t;
}

}  // namespace

TEST(TableShape, APlainTableIsItsMapping) {
  const TableShape t{Schema::builtin_machine_metrics(), {}, std::nullopt};
  EXPECT_EQ(describe(t.input_schema()), describe(t.mapping));
  EXPECT_EQ(describe(t.output_schema()), describe(t.mapping));
  EXPECT_EQ(names(t.raw_columns()), names(t.mapping.raw_columns()));
  ASSERT_NE(t.column("org_id"), nullptr);
  EXPECT_EQ(t.column("org_id")->from, (RawColumn{K::Blob, 1}));
  EXPECT_EQ(t.column("nope"), nullptr);
}

TEST(TableShape, ARollupsInputAndOutputSchemas) {
  const TableShape t = builtin_rollup();
  EXPECT_EQ(describe(t.input_schema()), (std::vector<std::string>{
                                            "timestamp timestamp required timestamp",
                                            "machine_id string required index1",
                                            "process_name string nullable blob5",
                                            "value1 double required double1",
                                            "sample_interval int64 required _sample_interval",
                                            "cpu_percent double nullable double1",
                                            "weight int64 required _sample_interval",
                                        }));
  EXPECT_EQ(describe(t.output_schema()), (std::vector<std::string>{
                                             "timestamp timestamp required timestamp",
                                             "machine_id string required index1",
                                             "process_name string nullable blob5",
                                             "samples int64 required timestamp",
                                             "weight int64 required _sample_interval",
                                             "value1_min double required double1",
                                             "value1_max double required double1",
                                             "value1_sum double required double1",
                                             "value1_avg double required double1",
                                             "sample_interval_min int64 required _sample_interval",
                                             "sample_interval_max int64 required _sample_interval",
                                             "sample_interval_sum double required _sample_interval",
                                             "sample_interval_avg double required _sample_interval",
                                             "cpu_percent_min double nullable double1",
                                             "cpu_percent_max double nullable double1",
                                             "cpu_percent_sum double nullable double1",
                                             "cpu_percent_avg double nullable double1",
                                         }));
  // cpu_percent's `when` reads blob4; the input holds no `when` (the mapper applies it).
  EXPECT_EQ(names(t.raw_columns()),
            (std::vector<std::string>{"timestamp", "index1", "blob5", "double1", "_sample_interval", "blob4"}));
}

TEST(TableShape, TheBucketColumnIsNamedAsTheMappingsTimestamp) {
  TableShape t;
  t.mapping.columns = {
      {"machine", {K::Index, 1}, ColumnType::String, std::nullopt, false},
      {"at", {K::Timestamp, 0}, ColumnType::Timestamp, std::nullopt, false},
      {"v", {K::Double, 1}, ColumnType::Double, std::nullopt, false},
  };
  t.rollup = RollupSpec{300, {"machine"}, {"v"}};
  EXPECT_EQ(t.output_schema().columns[0].name, "at");
  t.mapping.columns.erase(t.mapping.columns.begin() + 1);  // no timestamp column at all
  EXPECT_EQ(t.output_schema().columns[0].name, "timestamp");
  EXPECT_EQ(t.input_schema().columns[0].from, (RawColumn{K::Timestamp, 0}));
}

TEST(TableShape, RawColumnsAddTheWhereColumnsOnce) {
  TableShape t{Schema::builtin_machine_metrics(), {}, std::nullopt};
  t.mapping.columns.resize(3);  // timestamp, machine_id (index1), org_id (blob1)
  t.where = {{{K::Blob, 4}, "resource"}, {{K::Blob, 1}, "org"}, {{K::Blob, 9}, "x"}};
  EXPECT_EQ(names(t.raw_columns()), (std::vector<std::string>{"timestamp", "index1", "blob1", "blob4", "blob9"}));
}

TEST(TableShape, FingerprintIsStableAndChangesWithTheDefinition) {
  const TableShape plain{Schema::builtin_machine_metrics(), {}, std::nullopt};
  // Fixed: manifests written by earlier versions carry it; changing it re-exports every day.
  EXPECT_EQ(plain.fingerprint(), "41b6b14c22cfa2ab");  // sha256 of its canonical text, by Python's hashlib
  EXPECT_EQ(plain.fingerprint(), schema_fingerprint(signatures(plain.mapping.columns), {}, std::nullopt));

  std::vector<std::string> seen{plain.fingerprint()};
  auto differs = [&](const TableShape& t, const char* what) {
    const std::string f = t.fingerprint();
    EXPECT_EQ(f.size(), 16u) << what;
    for (const std::string& s : seen) EXPECT_NE(f, s) << what;
    seen.push_back(f);
  };
  TableShape added = plain;
  added.mapping.columns.push_back({"value5", {K::Double, 5}, ColumnType::Double, std::nullopt, false});
  differs(added, "a column added");
  TableShape retyped = plain;
  retyped.mapping.columns[7].type = ColumnType::Double;  // sample_interval
  differs(retyped, "a type changed");
  TableShape nullable = plain;
  nullable.mapping.columns[2].empty_as_null = true;  // org_id
  differs(nullable, "a column made nullable");
  TableShape resourced = plain;
  resourced.mapping.columns[1].from = RawColumn{K::Blob, 6};
  differs(resourced, "a raw source changed");
  TableShape where = plain;
  where.where = {{{K::Blob, 4}, "resource"}};
  differs(where, "a where");
  TableShape where_value = where;
  where_value.where[0].equals = "process";
  differs(where_value, "a where's value");
  TableShape rollup = plain;
  rollup.rollup = RollupSpec{3600, {"machine_id"}, {"value1"}};
  differs(rollup, "a rollup");
  TableShape every = rollup;
  every.rollup->every_seconds = 600;
  differs(every, "a rollup's bucket");
  TableShape by = rollup;
  by.rollup->by.push_back("org_id");
  differs(by, "a rollup's by column");
  TableShape value = rollup;
  value.rollup->values.push_back("value2");
  differs(value, "a rollup's value");
}
