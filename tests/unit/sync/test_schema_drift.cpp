// Schema drift: which days have an old schema, what of it PostHog cannot read with the new days,
// and the exact warning naming the re-export command.
#include <gtest/gtest.h>

#include "sync/schema_drift.h"
#include "util/time.h"

using namespace aesync;

namespace {

using K = RawColumn::Kind;
using Strings = std::vector<std::string>;

ColumnSpec col(std::string name, RawColumn from, ColumnType type, bool nullable = false) {
  return {std::move(name), from, type, std::nullopt, false, nullable};
}

const RawColumn kTs{K::Timestamp, 0}, kIndex{K::Index, 1}, kBlob1{K::Blob, 1}, kBlob2{K::Blob, 2},
    kDouble1{K::Double, 1}, kDouble2{K::Double, 2}, kInterval{K::SampleInterval, 0};

// timestamp, machine_id, cpu (double1), weight.
Schema base_mapping() {
  Schema s;
  s.columns = {col("timestamp", kTs, ColumnType::Timestamp), col("machine_id", kIndex, ColumnType::String),
               col("cpu", kDouble1, ColumnType::Double), col("weight", kInterval, ColumnType::Int64)};
  return s;
}

TableConfig table_of(Schema mapping, std::string name = "machine_metrics") {
  TableConfig t;
  t.name = std::move(name);
  t.prefix = t.name;
  t.shape.mapping = std::move(mapping);
  return t;
}

// A day exported with `columns` under the fingerprint of a plain table with that mapping (what
// a sync with that config wrote).
PartitionEntry day_with(const std::string& day, const std::vector<ColumnSpec>& columns) {
  PartitionEntry p;
  p.day = *parse_day(day);
  Manifest m;
  m.partition = day;
  m.columns = columns;
  m.schema_fingerprint = schema_fingerprint(signatures(columns), {}, std::nullopt);
  p.manifest = m;
  return p;
}

PartitionEntry day_without_manifest(const std::string& day) {
  PartitionEntry p;
  p.day = *parse_day(day);
  p.manifest_error = "machine_metrics/" + day + "/_manifest.json: no manifest";
  return p;
}

Strings days_of(const SchemaDrift& d) {
  Strings out;
  for (int64_t day : d.old_days) out.push_back(format_day(day));
  return out;
}

}  // namespace

TEST(SchemaDrift, NoDriftWhenEveryDayHasTheTableSchema) {
  const TableConfig t = table_of(base_mapping());
  const std::vector<PartitionEntry> parts = {day_with("2026-05-01", base_mapping().columns),
                                             day_without_manifest("2026-05-02"),
                                             day_with("2026-05-03", base_mapping().columns)};
  const SchemaDrift d = find_schema_drift(t, parts);
  EXPECT_EQ(d.fingerprint, t.shape.fingerprint());
  EXPECT_EQ(d.fingerprint.size(), 16u);
  EXPECT_TRUE(d.old_days.empty());
  EXPECT_TRUE(d.old_fingerprints.empty());
  EXPECT_TRUE(d.breaking.empty());
  EXPECT_TRUE(d.compatible.empty());
  EXPECT_EQ(d.reexport_command(), "");
  EXPECT_EQ(d.warning(t), "");
  EXPECT_FALSE(d.is_old(*parse_day("2026-05-01")));
}

TEST(SchemaDrift, ANullableColumnAddedIsAnOldSchemaThatPostHogStillReads) {
  Schema now = base_mapping();
  now.columns.push_back(col("org_id", kBlob1, ColumnType::String, true));
  const TableConfig t = table_of(now);
  const std::vector<PartitionEntry> parts = {day_with("2026-05-01", base_mapping().columns),
                                             day_with("2026-05-02", base_mapping().columns),
                                             day_with("2026-05-03", now.columns)};
  const SchemaDrift d = find_schema_drift(t, parts);
  EXPECT_EQ(days_of(d), (Strings{"2026-05-01", "2026-05-02"}));
  EXPECT_EQ(d.old_fingerprints, (Strings{table_of(base_mapping()).shape.fingerprint()}));
  EXPECT_NE(d.old_fingerprints[0], d.fingerprint);
  EXPECT_TRUE(d.breaking.empty());
  EXPECT_EQ(d.compatible, (Strings{"column org_id added as nullable (old days read it as NULL)"}));
  EXPECT_EQ(d.warning(t), "");
  EXPECT_EQ(d.reexport_command(), "aesync sync --from 2026-05-01 --to 2026-05-02");
  EXPECT_TRUE(d.is_old(*parse_day("2026-05-02")));
  EXPECT_FALSE(d.is_old(*parse_day("2026-05-03")));
}

TEST(SchemaDrift, RemovedRetypedAndRequiredAddedColumnsBreak) {
  // Old days: timestamp, machine_id, cpu (double), weight, mem. Now: cpu is int64, mem is gone,
  // load (required double) and host (required string) are new.
  std::vector<ColumnSpec> old = base_mapping().columns;
  old.push_back(col("mem", kDouble2, ColumnType::Double));
  Schema now = base_mapping();
  now.columns[2].type = ColumnType::Int64;
  now.columns.push_back(col("load", kDouble2, ColumnType::Double));
  now.columns.push_back(col("host", kBlob2, ColumnType::String));
  const TableConfig t = table_of(now);
  const SchemaDrift d = find_schema_drift(
      t, {day_with("2026-04-28", old), day_with("2026-04-30", old), day_with("2026-05-01", now.columns)});
  EXPECT_EQ(days_of(d), (Strings{"2026-04-28", "2026-04-30"}));
  EXPECT_EQ(d.breaking,
            (Strings{"column cpu is int64, was double", "column load added as required (old days read it as 0)",
                     "column host added as required (old days read it as \"\")", "column mem removed"}));
  EXPECT_TRUE(d.compatible.empty());
  EXPECT_EQ(d.warning(t),
            "table machine_metrics: 2 days (2026-04-28 .. 2026-04-30) have an old schema that PostHog cannot read "
            "together with the new days (column cpu is int64, was double; column load added as required (old days "
            "read it as 0); column host added as required (old days read it as \"\"); column mem removed): re-export "
            "them with aesync sync --from 2026-04-28 --to 2026-04-30");
}

TEST(SchemaDrift, NullabilityChangesBreakAndOneDayIsNamedAlone) {
  std::vector<ColumnSpec> old = base_mapping().columns;
  old[1].declared_nullable = true;  // machine_id was nullable, is required now
  Schema now = base_mapping();
  now.columns[2].when = WhenCondition{kBlob1, "resource"};  // cpu becomes nullable
  const TableConfig t = table_of(now, "resource");
  const SchemaDrift d = find_schema_drift(t, {day_with("2026-05-01", old)});
  EXPECT_EQ(d.breaking,
            (Strings{"column machine_id is required, was nullable", "column cpu is nullable, was required"}));
  EXPECT_EQ(d.warning(t),
            "table resource: 1 day (2026-05-01) has an old schema that PostHog cannot read together with the new "
            "days (column machine_id is required, was nullable; column cpu is nullable, was required): re-export it "
            "with aesync sync --from 2026-05-01 --to 2026-05-01");
}

TEST(SchemaDrift, ASourceChangeIsOldButReadableAndColumnOrderDoesNotMatter) {
  Schema now = base_mapping();
  now.columns[2].from = kDouble2;             // cpu reads double2 now
  std::swap(now.columns[0], now.columns[1]);  // and the order changed
  const TableConfig t = table_of(now);
  const SchemaDrift d = find_schema_drift(t, {day_with("2026-05-01", base_mapping().columns)});
  EXPECT_EQ(days_of(d), (Strings{"2026-05-01"}));
  EXPECT_TRUE(d.breaking.empty());
  EXPECT_EQ(d.compatible, (Strings{"column cpu reads double2, was double1"}));
  EXPECT_EQ(d.warning(t), "");
}

TEST(SchemaDrift, AWhereChangeIsOldWithTheSameColumns) {
  TableConfig t = table_of(base_mapping());
  t.shape.where = {WhenCondition{kBlob1, "resource"}};
  const SchemaDrift d = find_schema_drift(t, {day_with("2026-05-01", base_mapping().columns)});
  EXPECT_EQ(days_of(d), (Strings{"2026-05-01"}));
  EXPECT_TRUE(d.breaking.empty());
  EXPECT_TRUE(d.compatible.empty());
  EXPECT_EQ(d.reexport_command(), "aesync sync --from 2026-05-01 --to 2026-05-01");
}

TEST(SchemaDrift, ARollupIsComparedByItsOutputColumns) {
  TableConfig t = table_of(base_mapping(), "hourly");
  t.shape.rollup = RollupSpec{3600, {"machine_id"}, {"cpu"}};
  const std::vector<ColumnSpec> rollup_columns = t.shape.output_schema().columns;
  PartitionEntry current = day_with("2026-05-02", rollup_columns);
  current.manifest->schema_fingerprint = t.shape.fingerprint();
  // The same rollup by day: same columns, another fingerprint.
  PartitionEntry daily = day_with("2026-05-01", rollup_columns);
  TableConfig daily_table = t;
  daily_table.shape.rollup->every_seconds = 86400;
  daily.manifest->schema_fingerprint = daily_table.shape.fingerprint();
  // A raw day under the same prefix: the rollup's columns are not there.
  const SchemaDrift d = find_schema_drift(t, {day_with("2026-04-30", base_mapping().columns), daily, current});
  EXPECT_EQ(days_of(d), (Strings{"2026-04-30", "2026-05-01"}));
  EXPECT_EQ(d.old_fingerprints,
            (Strings{table_of(base_mapping()).shape.fingerprint(), daily_table.shape.fingerprint()}));
  EXPECT_EQ(d.breaking, (Strings{"column samples added as required (old days read it as 0)",
                                 "column cpu_min added as required (old days read it as 0)",
                                 "column cpu_max added as required (old days read it as 0)",
                                 "column cpu_sum added as required (old days read it as 0)",
                                 "column cpu_avg added as required (old days read it as 0)", "column cpu removed"}));
  EXPECT_EQ(d.warning(t).substr(0, 52), "table hourly: 2 days (2026-04-30 .. 2026-05-01) have");
}

TEST(SchemaDrift, AnOldManifestWithoutAFingerprintIsCurrentWhenItsColumnsAreTheMapping) {
  const TableConfig t = table_of(base_mapping());
  PartitionEntry p = day_with("2026-05-01", base_mapping().columns);
  p.manifest->schema_fingerprint = "";  // what a build between the field and its filling wrote
  EXPECT_EQ(manifest_fingerprint(*p.manifest), t.shape.fingerprint());
  EXPECT_TRUE(find_schema_drift(t, {p}).old_days.empty());
  p.manifest->columns.pop_back();
  const SchemaDrift d = find_schema_drift(t, {p});
  EXPECT_EQ(days_of(d), (Strings{"2026-05-01"}));
  EXPECT_EQ(d.breaking, (Strings{"column weight added as required (old days read it as 0)"}));
}

TEST(SchemaDrift, ChangesListsEachDifferenceOnceAcrossDaysInFirstSeenOrder) {
  Schema now = base_mapping();
  now.columns.push_back(col("ts2", kTs, ColumnType::Timestamp));
  std::vector<ColumnSpec> without_cpu = base_mapping().columns;
  without_cpu.erase(without_cpu.begin() + 2);
  const TableConfig t = table_of(now);
  const SchemaDrift d =
      find_schema_drift(t, {day_with("2026-05-01", base_mapping().columns), day_with("2026-05-02", without_cpu),
                            day_with("2026-05-03", base_mapping().columns)});
  EXPECT_EQ(days_of(d), (Strings{"2026-05-01", "2026-05-02", "2026-05-03"}));
  EXPECT_EQ(d.old_fingerprints.size(), 2u);
  EXPECT_EQ(d.breaking, (Strings{"column ts2 added as required (old days read it as 1970-01-01T00:00:00Z)",
                                 "column cpu added as required (old days read it as 0)"}));
  EXPECT_EQ(
      schema_changes(now, without_cpu),
      (std::vector<SchemaChange>{{"column cpu added as required (old days read it as 0)", true},
                                 {"column ts2 added as required (old days read it as 1970-01-01T00:00:00Z)", true}}));
}
