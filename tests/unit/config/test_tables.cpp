// [[tables]] (docs/configuration.md, "Tables"): what a config's tables are, with and without
// [[tables]], and every error of a table, with its file:line:column.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "util/error.h"

namespace aesync {
namespace {

using K = RawColumn::Kind;

// Lines 1-5.
constexpr const char* kAnalyticsEngine =
    "[source]\ntype = \"analytics-engine\"\ndataset = \"machine_metrics\"\naccount_id = \"acct\"\n"
    "api_token = \"tok\"\n";
// Lines 1-3.
constexpr const char* kFileSource = "[source]\ntype = \"file\"\npath = \"in.jsonl\"\n";

std::string error_of(const std::string& text) {
  try {
    parse_config(text, "aesync.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

std::vector<std::string> column_names(const Schema& s) {
  std::vector<std::string> out;
  for (const ColumnSpec& c : s.columns) out.push_back(c.name);
  return out;
}

TEST(Tables, AConfigWithoutTablesIsOneTable) {
  const Config c = parse_config(
      std::string(kAnalyticsEngine) + "[destination]\ntype = \"local\"\npath = \"out\"\n" + "prefix = \"mm/raw\"\n",
      "aesync.toml");
  ASSERT_EQ(c.tables.size(), 1u);
  const TableConfig& t = c.tables[0];
  EXPECT_EQ(t.name, "machine_metrics");
  EXPECT_EQ(t.prefix, "mm/raw");
  EXPECT_EQ(t.dataset, "machine_metrics");
  EXPECT_EQ(column_names(t.shape.mapping), column_names(Schema::builtin_machine_metrics()));
  EXPECT_TRUE(t.shape.where.empty());
  EXPECT_FALSE(t.shape.rollup.has_value());
  EXPECT_EQ(t.join_events_on, "");
  EXPECT_EQ(t.shape.fingerprint(), "41b6b14c22cfa2ab");  // the built-in mapping's (test_table_shape.cpp)
}

TEST(Tables, WithoutTablesTheNameAndJoinComeFromPostHog) {
  const Config c = parse_config(std::string(kAnalyticsEngine) + R"([posthog]
project_id = "4242"
api_key = "phx"
table = "metrics_raw"
read_access_key_id = "r"
read_secret_access_key = "s"
join_events_on = "properties.machine_id"

[[columns]]
name = "timestamp"
from = "timestamp"

[[columns]]
name = "machine_id"
from = "index1"
)",
                                "aesync.toml");
  ASSERT_EQ(c.tables.size(), 1u);
  EXPECT_EQ(c.tables[0].name, "metrics_raw");
  EXPECT_EQ(c.tables[0].prefix, "machine_metrics");  // destination.prefix's default
  EXPECT_EQ(c.tables[0].join_events_on, "properties.machine_id");
  EXPECT_EQ(column_names(c.tables[0].shape.mapping), (std::vector<std::string>{"timestamp", "machine_id"}));
}

TEST(Tables, WithoutTablesTheDatasetIsTheClickHouseTableOrNothingForAFile) {
  const Config ch = parse_config(
      "[source]\ntype = \"clickhouse\"\nurl = \"http://ch:8123\"\ndatabase = \"db\"\ntable = \"metrics_v2\"\n",
      "aesync.toml");
  ASSERT_EQ(ch.tables.size(), 1u);
  EXPECT_EQ(ch.tables[0].dataset, "metrics_v2");
  const Config file = parse_config(kFileSource, "aesync.toml");
  ASSERT_EQ(file.tables.size(), 1u);
  EXPECT_EQ(file.tables[0].dataset, "");
  EXPECT_EQ(file.tables[0].name, "machine_metrics");
}

TEST(Tables, SeveralTablesWithTheirDefaults) {
  const Config c = parse_config(std::string(kAnalyticsEngine) + R"(
[[columns]]
name = "timestamp"
from = "timestamp"

[[columns]]
name = "machine_id"
from = "index1"

[[columns]]
name = "value1"
from = "double1"

[[tables]]
name = "raw"

[[tables]]
name = "resource"
prefix = "split/resource"
dataset = "other-dataset"
where = { blob4 = "resource", index1 = "m1" }
join_events_on = "properties.machine_id"

[[tables]]
name = "hourly"
rollup = { every = "1h", by = ["machine_id"], values = ["value1"] }
)",
                                "aesync.toml");
  ASSERT_EQ(c.tables.size(), 3u);
  const std::vector<std::string> mapping{"timestamp", "machine_id", "value1"};

  const TableConfig& raw = c.tables[0];
  EXPECT_EQ(raw.name, "raw");
  EXPECT_EQ(raw.prefix, "raw");
  EXPECT_EQ(raw.dataset, "machine_metrics");
  EXPECT_EQ(column_names(raw.shape.mapping), mapping);
  EXPECT_TRUE(raw.shape.where.empty());
  EXPECT_FALSE(raw.shape.rollup.has_value());
  EXPECT_EQ(raw.join_events_on, "");

  const TableConfig& resource = c.tables[1];
  EXPECT_EQ(resource.prefix, "split/resource");
  EXPECT_EQ(resource.dataset, "other-dataset");
  EXPECT_EQ(column_names(resource.shape.mapping), mapping);
  ASSERT_EQ(resource.shape.where.size(), 2u);
  EXPECT_EQ(resource.shape.where[0].raw, (RawColumn{K::Blob, 4}));
  EXPECT_EQ(resource.shape.where[0].equals, "resource");
  EXPECT_EQ(resource.shape.where[1].raw, (RawColumn{K::Index, 1}));
  EXPECT_EQ(resource.shape.where[1].equals, "m1");
  EXPECT_EQ(resource.join_events_on, "properties.machine_id");

  const TableConfig& hourly = c.tables[2];
  EXPECT_EQ(hourly.prefix, "hourly");
  ASSERT_TRUE(hourly.shape.rollup.has_value());
  EXPECT_EQ(*hourly.shape.rollup, (RollupSpec{3600, {"machine_id"}, {"value1"}}));
  EXPECT_EQ(column_names(hourly.shape.output_schema()),
            (std::vector<std::string>{"timestamp", "machine_id", "samples", "weight", "value1_min", "value1_max",
                                      "value1_sum", "value1_avg"}));
  // Each table is its own schema.
  EXPECT_NE(raw.shape.fingerprint(), resource.shape.fingerprint());
  EXPECT_NE(raw.shape.fingerprint(), hourly.shape.fingerprint());
}

TEST(Tables, ATablesOwnColumnsAndTheBuiltInMapping) {
  const Config c = parse_config(std::string(kAnalyticsEngine) + R"(
[[tables]]
name = "startup"
where = { blob4 = "startup" }

[[tables.columns]]
name = "timestamp"
from = "timestamp"

[[tables.columns]]
name = "ready_ms"
from = "double1"
type = "int64"

[[tables]]
name = "builtin"
rollup = { every = "10m", by = ["machine_id", "metric_type", "process_name"], values = ["value1", "cpu_percent", "sample_interval"] }
)",
                                "aesync.toml");
  ASSERT_EQ(c.tables.size(), 2u);
  const Schema& startup = c.tables[0].shape.mapping;
  EXPECT_EQ(column_names(startup), (std::vector<std::string>{"timestamp", "ready_ms"}));
  EXPECT_EQ(startup.columns[1].type, ColumnType::Int64);
  EXPECT_EQ(startup.columns[1].from, (RawColumn{K::Double, 1}));
  EXPECT_EQ(column_names(c.tables[1].shape.mapping), column_names(Schema::builtin_machine_metrics()));
  EXPECT_EQ(
      *c.tables[1].shape.rollup,
      (RollupSpec{600, {"machine_id", "metric_type", "process_name"}, {"value1", "cpu_percent", "sample_interval"}}));
}

TEST(Tables, EveryIsADurationThatDividesADay) {
  auto every = [](const std::string& e) {
    return parse_config(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"t\"\nrollup = { every = \"" + e +
                            "\", by = [\"machine_id\"] }\n",
                        "aesync.toml")
        .tables[0]
        .shape.rollup->every_seconds;
  };
  EXPECT_EQ(every("1h"), 3600);
  EXPECT_EQ(every("1m"), 60);
  EXPECT_EQ(every("1d"), 86400);
  EXPECT_EQ(every("90s"), 90);
  EXPECT_EQ(every("6h"), 21600);
  const Config defaulted = parse_config(
      std::string(kAnalyticsEngine) + "[[tables]]\nname = \"t\"\nrollup = { by = [\"machine_id\"] }\n", "aesync.toml");
  EXPECT_EQ(defaulted.tables[0].shape.rollup->every_seconds, 3600);
  EXPECT_EQ(
      error_of(std::string(kAnalyticsEngine) +
               "[[tables]]\nname = \"t\"\nrollup = { every = \"7m\", by = [\"machine_id\"] }\n"),
      "aesync.toml:8:20: tables[1].rollup.every: 420 s does not divide a day (buckets must not straddle two days' files)");
}

// --- errors ---

TEST(Tables, DuplicateNamesAndPrefixes) {
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"a\"\n[[tables]]\nname = \"a\"\n"),
            "aesync.toml:9:8: tables[2].name: \"a\" is already the name of tables[1]");
  EXPECT_EQ(
      error_of(std::string(kAnalyticsEngine) +
               "[[tables]]\nname = \"a\"\nprefix = \"p\"\n[[tables]]\nname = \"b\"\nprefix = \"p\"\n"),
      "aesync.toml:11:10: tables[2].prefix: \"p\" is already the prefix of tables[1] (each table writes its own folder)");
  // The default prefix is the name: a table named as another's prefix collides with it.
  EXPECT_EQ(
      error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"a\"\nprefix = \"b\"\n[[tables]]\nname = \"b\"\n"),
      "aesync.toml:10:8: tables[2].prefix: \"b\" is already the prefix of tables[1] (each table writes its own folder)");
}

TEST(Tables, UnknownKeysInATableAndInItsColumns) {
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"a\"\nprefx = \"p\"\n"),
            "aesync.toml:8:1: unknown key \"tables[1].prefx\" (did you mean \"tables[1].prefix\"?)");
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"a\"\n[[tables]]\nname = \"b\"\n"
                                                     "[[tables.columns]]\nname = \"timestamp\"\nfrom = \"timestamp\"\n"
                                                     "typ = \"timestamp\"\n"),
            "aesync.toml:13:1: unknown key \"tables[2].columns[1].typ\" (did you mean \"tables[2].columns[1].type\"?)");
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"a\"\ncolour = \"red\"\n"),
            "aesync.toml:8:1: unknown key \"tables[1].colour\"");
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) +
                     "[[tables]]\nname = \"a\"\nrollup = { by = [\"machine_id\"], value = [\"value1\"] }\n"),
            "aesync.toml:8:33: unknown key \"tables[1].rollup.value\" (expected every, by and values)");
}

TEST(Tables, NameIsRequiredNonEmptyAndASqlName) {
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) + "[[tables]]\nprefix = \"p\"\n"),
            "aesync.toml:6:1: tables[1].name is required");
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"\"\n"),
            "aesync.toml:7:8: tables[1].name must not be empty");
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"my-table\"\n"),
            "aesync.toml:7:8: tables[1].name: invalid name \"my-table\" (expected [A-Za-z_][A-Za-z0-9_]*)");
}

TEST(Tables, WhereTakesRawStringColumns) {
  EXPECT_EQ(
      error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"a\"\nwhere = { double1 = \"1\" }\n"),
      "aesync.toml:8:11: tables[1].where: \"double1\" is not a raw string column (expected dataset, index1 or blob1..blob20)");
  EXPECT_EQ(
      error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"a\"\nwhere = { metric_type = \"resource\" }\n"),
      "aesync.toml:8:11: tables[1].where: \"metric_type\" is not a raw string column (expected dataset, index1 or blob1..blob20)");
  EXPECT_EQ(
      error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"a\"\nwhere = {}\n"),
      "aesync.toml:8:9: tables[1].where: expected at least one condition such as { blob4 = \"resource\" }, got 0");
}

TEST(Tables, RollupColumnsMustFit) {
  auto rollup = [](const std::string& r) {
    return error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"a\"\nrollup = " + r + "\n");
  };
  EXPECT_EQ(rollup("{ by = [\"machine\"] }"),
            "aesync.toml:8:18: tables[1].rollup.by[1]: \"machine\" is not a column of the table's mapping");
  EXPECT_EQ(rollup("{ by = [\"machine_id\"], values = [\"value1\", \"value9\"] }"),
            "aesync.toml:8:53: tables[1].rollup.values[2]: \"value9\" is not a column of the table's mapping");
  EXPECT_EQ(
      rollup("{ values = [\"org_id\"] }"),
      "aesync.toml:8:22: tables[1].rollup.values[1]: \"org_id\" is a string column; values are double or int64 columns");
  EXPECT_EQ(
      rollup("{ by = [\"timestamp\"] }"),
      "aesync.toml:8:18: tables[1].rollup.by[1]: \"timestamp\" is a timestamp; the rollup's buckets already group by time");
  EXPECT_EQ(rollup("{ by = [\"machine_id\", \"machine_id\"] }"),
            "aesync.toml:8:32: tables[1].rollup.by[2]: \"machine_id\" appears twice in the rollup");
  EXPECT_EQ(rollup("{ by = [\"value1\"], values = [\"value1\"] }"),
            "aesync.toml:8:39: tables[1].rollup.values[1]: \"value1\" appears twice in the rollup");
  EXPECT_EQ(
      rollup("{ every = \"1h\" }"),
      "aesync.toml:8:10: tables[1].rollup: name the columns to group by and the values to aggregate (by, values)");
  EXPECT_EQ(
      rollup("\"1h\""),
      "aesync.toml:8:10: tables[1].rollup: expected a table such as { every = \"1h\", by = [\"machine_id\"], values = [\"value1\"] }, got a string");
  EXPECT_EQ(rollup("{ by = \"machine_id\" }"),
            "aesync.toml:8:17: tables[1].rollup.by: expected an array of column names, got a string");
}

TEST(Tables, RollupOutputNamesMustNotCollide) {
  const std::string columns = R"(
[[tables.columns]]
name = "timestamp"
from = "timestamp"

[[tables.columns]]
name = "samples"
from = "blob1"

[[tables.columns]]
name = "v"
from = "double1"

[[tables.columns]]
name = "v_min"
from = "double2"
)";
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) +
                     "[[tables]]\nname = \"a\"\nrollup = { by = [\"samples\"], values = [\"v\"] }\n" + columns),
            "aesync.toml:8:10: tables[1].rollup: the rollup would have two columns named \"samples\"");
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) +
                     "[[tables]]\nname = \"a\"\nrollup = { by = [\"v_min\"], values = [\"v\"] }\n" + columns),
            "aesync.toml:8:10: tables[1].rollup: the rollup would have two columns named \"v_min\"");
}

TEST(Tables, JoinEventsOnNeedsAMachineIdColumn) {
  EXPECT_EQ(
      error_of(std::string(kAnalyticsEngine) + R"([[tables]]
name = "a"
join_events_on = "properties.machine_id"
[[tables.columns]]
name = "timestamp"
from = "timestamp"
)"),
      "aesync.toml:8:18: tables[1].join_events_on: the saved join needs a column named machine_id, which table \"a\" does not define");
  // A rollup's output must keep machine_id among its by columns.
  EXPECT_EQ(
      error_of(std::string(kAnalyticsEngine) + R"([[tables]]
name = "a"
rollup = { by = ["org_id"], values = ["value1"] }
join_events_on = "properties.machine_id"
)"),
      "aesync.toml:9:18: tables[1].join_events_on: the saved join needs a column named machine_id, which table \"a\" does not define");
  const Config ok = parse_config(std::string(kAnalyticsEngine) + R"([[tables]]
name = "a"
rollup = { by = ["machine_id"], values = ["value1"] }
join_events_on = "properties.machine_id"
)",
                                 "aesync.toml");
  EXPECT_EQ(ok.tables[0].join_events_on, "properties.machine_id");
}

TEST(Tables, KeysThatTablesReplaceAreRefused) {
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) + "[destination]\nprefix = \"x\"\n[[tables]]\nname = \"a\"\n"),
            "aesync.toml:7:10: destination.prefix: not used with [[tables]]: set each table's prefix instead");
  const std::string posthog =
      "[posthog]\nproject_id = \"1\"\napi_key = \"k\"\nread_access_key_id = \"r\"\nread_secret_access_key = \"s\"\n";
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) + posthog + "table = \"t\"\n[[tables]]\nname = \"a\"\n"),
            "aesync.toml:11:9: posthog.table: not used with [[tables]]: set each table's name instead");
  EXPECT_EQ(
      error_of(std::string(kAnalyticsEngine) + posthog +
               "join_events_on = \"properties.machine_id\"\n[[tables]]\nname = \"a\"\n"),
      "aesync.toml:11:18: posthog.join_events_on: not used with [[tables]]: set each table's join_events_on instead");
  // [posthog] without those keys is fine with [[tables]].
  EXPECT_EQ(parse_config(std::string(kAnalyticsEngine) + posthog + "[[tables]]\nname = \"a\"\n", "aesync.toml")
                .tables[0]
                .name,
            "a");
}

TEST(Tables, DatasetPerSourceType) {
  EXPECT_EQ(error_of(std::string(kFileSource) + "[[tables]]\nname = \"a\"\ndataset = \"d\"\n"),
            "aesync.toml:6:11: tables[1].dataset: source.type = \"file\" reads one input; leave dataset out");
  EXPECT_EQ(parse_config(std::string(kFileSource) + "[[tables]]\nname = \"a\"\n", "aesync.toml").tables[0].dataset, "");
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"a\"\ndataset = \"\"\n"),
            "aesync.toml:8:11: tables[1].dataset must not be empty");
  EXPECT_EQ(error_of(std::string(kAnalyticsEngine) + "[[tables]]\nname = \"a\"\ndataset = \"a b\"\n"),
            "aesync.toml:8:11: tables[1].dataset: invalid name \"a b\" (expected [A-Za-z_][A-Za-z0-9_-]*)");
  const std::string ch =
      "[source]\ntype = \"clickhouse\"\nurl = \"http://ch:8123\"\ndatabase = \"db\"\ntable = \"t1\"\n";
  const Config c =
      parse_config(ch + "[[tables]]\nname = \"a\"\n[[tables]]\nname = \"b\"\ndataset = \"t2\"\n", "aesync.toml");
  EXPECT_EQ(c.tables[0].dataset, "t1");
  EXPECT_EQ(c.tables[1].dataset, "t2");
}

TEST(Tables, TablesMustBeAnArrayOfTables) {
  EXPECT_EQ(error_of("tables = \"a\"\n" + std::string(kAnalyticsEngine)),
            "aesync.toml:1:10: tables: expected an array of tables ([[tables]]), got a string");
  EXPECT_EQ(error_of("tables = []\n" + std::string(kAnalyticsEngine)),
            "aesync.toml:1:10: tables: at least one table is required (or leave [[tables]] out)");
}

}  // namespace
}  // namespace aesync
