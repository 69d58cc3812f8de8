// `aesync status` (text and --json) and check's schema warnings over a local destination holding
// days exported with the table's schema, with older ones, and without a manifest.
#include <gtest/gtest.h>

#include <sstream>

#include "../support/temp_dir.h"
#include "cli/check_command.h"
#include "cli/status_command.h"
#include "config/config.h"
#include "storage/local_store.h"
#include "sync/manifest.h"
#include "util/time.h"

namespace aesync::cli {
namespace {

using test::TempDir;

// The table's mapping now: timestamp, machine_id, cpu.
constexpr const char* kColumns = R"(
[[columns]]
name = "timestamp"
from = "timestamp"
[[columns]]
name = "machine_id"
from = "index1"
[[columns]]
name = "cpu"
from = "double1"
)";

std::string local_destination(const TempDir& dir) {
  return "[destination]\ntype = \"local\"\npath = \"" + dir.path.string() + "\"\n";
}

ColumnSpec column(const char* name, const char* from) {
  const RawColumn raw = *RawColumn::parse(from);
  const ColumnType type = raw.kind == RawColumn::Kind::Timestamp ? ColumnType::Timestamp
                          : raw.is_string()                      ? ColumnType::String
                                                                 : ColumnType::Double;
  return {name, raw, type, std::nullopt, false, false};
}

// Writes a day's data object and manifest under `prefix` as a sync with `columns` (and that
// mapping's fingerprint) would.
void put_day(ObjectStore& store, const std::string& prefix, const std::string& day, uint64_t rows,
             const std::vector<ColumnSpec>& columns) {
  Manifest m;
  m.partition = day;
  m.table = prefix;
  m.data_key = prefix + "/" + day + "/data.parquet";
  m.rows = rows;
  m.sample_weight = static_cast<int64_t>(rows) * 10;
  m.bytes = 1000 + rows;
  m.sha256 = "00";
  m.columns = columns;
  m.schema_fingerprint = schema_fingerprint(signatures(columns), {}, std::nullopt);
  m.windows = {{0, 1, rows, m.sample_weight, rows, 1, true}};
  m.source_rows = rows;
  m.verified = true;
  m.exported_at = "2026-05-15T12:00:00Z";
  m.aesync_version = "0.1.0";
  store.put(m.data_key, std::string(m.bytes, 'x'));
  store.put(prefix + "/" + day + "/_manifest.json", manifest_to_json(m));
}

const std::vector<ColumnSpec> kNow = {column("timestamp", "timestamp"), column("machine_id", "index1"),
                                      column("cpu", "double1")};
// Exported before `mem` was removed from the mapping.
const std::vector<ColumnSpec> kWithMem = {column("timestamp", "timestamp"), column("machine_id", "index1"),
                                          column("cpu", "double1"), column("mem", "double2")};

std::string fingerprint_of(const std::vector<ColumnSpec>& columns) {
  return schema_fingerprint(signatures(columns), {}, std::nullopt);
}

std::string status_of(const Config& config, ObjectStore& store, bool json) {
  std::ostringstream out;
  std::vector<std::string> warnings;
  EXPECT_EQ(run_status(config, store, json, out, false, &warnings), 0);
  // Every store of these tests holds some partition, but that of NoPartitions...
  EXPECT_EQ(warnings.size(), store.list("").empty() ? 1u : 0u);
  return out.str();
}

TEST(Status, OneTableWithoutOldDaysPrintsAsBeforeTables) {
  TempDir dir;
  const Config config = parse_config(local_destination(dir) + kColumns, "t.toml");
  LocalStore store(dir.path.string());
  put_day(store, "machine_metrics", "2026-05-13", 600, kNow);
  store.put("machine_metrics/2026-05-14/data.parquet", "x");
  EXPECT_EQ(status_of(config, store, false),
            "day                  rows          bytes  exported at           verified\n"
            "2026-05-13            600           1600  2026-05-15T12:00:00Z  yes\n"
            "2026-05-14  " +
                dir.path.string() +
                "/machine_metrics/2026-05-14/_manifest.json: no manifest\n"
                "total                 600           1600  (2 partitions under " +
                dir.path.string() +
                "/machine_metrics/)\n"
                "\n"
                "rows per day (longest bar: 600 rows)\n"
                "  2026-05-13  ##################################################  600\n"
                "  2026-05-14  (no manifest)\n");
}

TEST(Status, OldSchemaDaysAreMarkedCountedAndGivenTheirCommand) {
  TempDir dir;
  const Config config = parse_config(local_destination(dir) + kColumns, "t.toml");
  LocalStore store(dir.path.string());
  put_day(store, "machine_metrics", "2026-05-11", 500, kWithMem);
  put_day(store, "machine_metrics", "2026-05-12", 0, kWithMem);
  put_day(store, "machine_metrics", "2026-05-13", 600, kNow);
  const std::string old_fp = fingerprint_of(kWithMem), now_fp = fingerprint_of(kNow);
  ASSERT_EQ(config.tables[0].shape.fingerprint(), now_fp);
  EXPECT_EQ(status_of(config, store, false),
            "day                  rows          bytes  exported at           verified\n"
            "2026-05-11            500           1500  2026-05-15T12:00:00Z  yes      old schema " +
                old_fp +
                "\n"
                "2026-05-12              0           1000  2026-05-15T12:00:00Z  yes      old schema " +
                old_fp +
                "\n"
                "2026-05-13            600           1600  2026-05-15T12:00:00Z  yes\n"
                "total                1100           4100  (3 partitions under " +
                dir.path.string() +
                "/machine_metrics/)\n"
                "2 days with an old schema (fingerprint " +
                old_fp + ", current " + now_fp +
                "): re-export with aesync sync --from 2026-05-11 --to 2026-05-12\n"
                "  PostHog cannot read them together with the new days: column mem removed\n"
                "\n"
                "rows per day (longest bar: 600 rows)\n"
                "  2026-05-11  ##########################################          500\n"
                "  2026-05-12                                                      0\n"
                "  2026-05-13  ##################################################  600\n");

  EXPECT_EQ(status_of(config, store, true),
            "[\n"
            "  {\"partition\": \"2026-05-11\", \"table\": \"machine_metrics\", \"rows\": 500, \"sample_weight\": 5000, "
            "\"bytes\": 1500, \"exported_at\": \"2026-05-15T12:00:00Z\", \"verified\": true, \"read_sampled\": false, "
            "\"windows\": 1, \"data_key\": \"machine_metrics/2026-05-11/data.parquet\", \"schema_fingerprint\": \"" +
                old_fp +
                "\", \"old_schema\": true, \"schema_changes\": [{\"text\": \"column mem removed\", \"breaking\": "
                "true}]},\n"
                "  {\"partition\": \"2026-05-12\", \"table\": \"machine_metrics\", \"rows\": 0, \"sample_weight\": 0, "
                "\"bytes\": 1000, \"exported_at\": \"2026-05-15T12:00:00Z\", \"verified\": true, \"read_sampled\": "
                "false, \"windows\": 1, \"data_key\": \"machine_metrics/2026-05-12/data.parquet\", "
                "\"schema_fingerprint\": \"" +
                old_fp +
                "\", \"old_schema\": true, \"schema_changes\": [{\"text\": \"column mem removed\", \"breaking\": "
                "true}]},\n"
                "  {\"partition\": \"2026-05-13\", \"table\": \"machine_metrics\", \"rows\": 600, \"sample_weight\": "
                "6000, \"bytes\": 1600, \"exported_at\": \"2026-05-15T12:00:00Z\", \"verified\": true, "
                "\"read_sampled\": false, \"windows\": 1, \"data_key\": \"machine_metrics/2026-05-13/data.parquet\", "
                "\"schema_fingerprint\": \"" +
                now_fp + "\", \"old_schema\": false, \"schema_changes\": []}\n]\n");

  EXPECT_EQ(schema_warnings(config, store),
            std::vector<std::string>{"table machine_metrics: 2 days (2026-05-11 .. 2026-05-12) have an old schema that "
                                     "PostHog cannot read together with the new days (column mem removed): re-export "
                                     "them with aesync sync --from 2026-05-11 --to 2026-05-12"});
}

TEST(Status, ANullableColumnAddedIsOldButReadable) {
  TempDir dir;
  const Config config = parse_config(
      local_destination(dir) + kColumns + "[[columns]]\nname = \"host\"\nfrom = \"blob1\"\nempty_as_null = true\n",
      "t.toml");
  LocalStore store(dir.path.string());
  put_day(store, "machine_metrics", "2026-05-13", 600, kNow);
  const std::string text = status_of(config, store, false);
  EXPECT_EQ(text.substr(text.find("\n1 day") + 1),
            "1 day with an old schema (fingerprint " + fingerprint_of(kNow) + ", current " +
                config.tables[0].shape.fingerprint() +
                "): re-export with aesync sync --from 2026-05-13 --to 2026-05-13\n"
                "  PostHog reads it together with the new days: column host added as nullable (old days read it as "
                "NULL)\n"
                "\n"
                "rows per day (longest bar: 600 rows)\n"
                "  2026-05-13  ##################################################  600\n");
  EXPECT_EQ(schema_warnings(config, store), std::vector<std::string>{}) << "nothing breaks: no warning";
}

TEST(Status, SeveralTablesOneBlockEachAndOneJsonArray) {
  TempDir dir;
  const Config config = parse_config(local_destination(dir) + R"(
[source]
type = "analytics-engine"
account_id = "acc"
api_token = "tok"
dataset = "machine_metrics"
[[tables]]
name = "resource"
where = { blob4 = "resource" }
[[tables.columns]]
name = "timestamp"
from = "timestamp"
[[tables.columns]]
name = "machine_id"
from = "index1"
[[tables.columns]]
name = "cpu"
from = "double1"
[[tables]]
name = "startup"
prefix = "startup_days"
dataset = "boot_metrics"
)",
                                     "t.toml");
  ASSERT_EQ(config.tables.size(), 2u);
  LocalStore store(dir.path.string());
  // resource: a day exported before its `where` existed (same columns, another fingerprint).
  put_day(store, "resource", "2026-05-13", 600, kNow);
  const std::string text = status_of(config, store, false);
  EXPECT_EQ(text,
            "table resource (dataset machine_metrics)\n"
            "day                  rows          bytes  exported at           verified\n"
            "2026-05-13            600           1600  2026-05-15T12:00:00Z  yes      old schema " +
                fingerprint_of(kNow) +
                "\n"
                "total                 600           1600  (1 partitions under " +
                dir.path.string() +
                "/resource/)\n"
                "1 day with an old schema (fingerprint " +
                fingerprint_of(kNow) + ", current " + config.tables[0].shape.fingerprint() +
                "): re-export with aesync sync --from 2026-05-13 --to 2026-05-13\n"
                "  same columns: the table's where or rollup changed, PostHog reads it as before\n"
                "\n"
                "rows per day (longest bar: 600 rows)\n"
                "  2026-05-13  ##################################################  600\n"
                "\n"
                "table startup (dataset boot_metrics)\n"
                "day                  rows          bytes  exported at           verified\n"
                "total                   0              0  (0 partitions under " +
                dir.path.string() + "/startup_days/)\n");
  store.put("startup_days/2026-05-14/_manifest.json", "{");
  const std::string json = status_of(config, store, true);
  EXPECT_NE(json.find("\n  {\"partition\": \"2026-05-13\", \"table\": \"resource\", \"rows\": 600,"), std::string::npos)
      << json;
  EXPECT_NE(json.find(",\n  {\"partition\": \"2026-05-14\", \"table\": \"startup\", \"error\": \"" + dir.path.string() +
                      "/startup_days/2026-05-14/_manifest.json: not an aesync manifest: invalid JSON"),
            std::string::npos)
      << json;
  EXPECT_EQ(schema_warnings(config, store), std::vector<std::string>{});
}

TEST(Status, NoPartitionsAnEmptyArray) {
  TempDir dir;
  const Config config = parse_config(local_destination(dir), "t.toml");
  LocalStore store(dir.path.string());
  EXPECT_EQ(status_of(config, store, true), "[]\n");
}

// A mistyped path (or prefix) lists nothing: the warning says where status looked, and the
// table still prints (no chart: no day).
TEST(Status, AnEmptyDestinationWarnsNamingWhereItLooked) {
  TempDir dir;
  const Config config = parse_config(local_destination(dir) + "prefix = \"machine_metrcs\"\n", "t.toml");
  LocalStore store(dir.path.string());
  store.put("machine_metrics/2026-05-13/_manifest.json", "{}");  // the prefix meant
  std::ostringstream out;
  std::vector<std::string> warnings;
  EXPECT_EQ(run_status(config, store, false, out, false, &warnings), 0);
  EXPECT_EQ(out.str(),
            "day                  rows          bytes  exported at           verified\n"
            "total                   0              0  (0 partitions under " +
                dir.path.string() + "/machine_metrcs/)\n");
  EXPECT_EQ(warnings,
            std::vector<std::string>{"the destination holds no partitions at all: looked under " + dir.path.string() +
                                     "/machine_metrcs/ (prefix \"machine_metrcs\"); check [destination] and "
                                     "the tables' prefix, or run aesync sync first"});

  // With one table holding a day, no warning.
  put_day(store, "machine_metrcs", "2026-05-13", 3, kNow);
  warnings.clear();
  out.str("");
  EXPECT_EQ(run_status(config, store, false, out, false, &warnings), 0);
  EXPECT_EQ(warnings, std::vector<std::string>{});
}

TEST(StatusChart, GapsEmptyDaysAndRounding) {
  // 2026-05-10 = day 20583.
  const int64_t d = *parse_day("2026-05-10");
  EXPECT_EQ(rows_per_day_chart({}, false), "");
  EXPECT_EQ(rows_per_day_chart({{d, 1}, {d + 1, 0}, {d + 3, 10}, {d + 4, std::nullopt}, {d + 5, 5}}, false, 10),
            "rows per day (longest bar: 10 rows)\n"
            "  2026-05-10  #           1\n"  // 0.1 of a mark: one, so that it differs from 0
            "  2026-05-11              0\n"
            "  2026-05-12  (not exported)\n"  // a gap between exported days
            "  2026-05-13  ##########  10\n"
            "  2026-05-14  (no manifest)\n"
            "  2026-05-15  #####       5\n");
  EXPECT_EQ(rows_per_day_chart({{d, 0}}, false, 4), "rows per day (longest bar: 0 rows)\n  2026-05-10        0\n");
  // On a terminal: block characters, coloured; nothing else changes.
  EXPECT_EQ(rows_per_day_chart({{d, 2}, {d + 1, 1}}, true, 2),
            "rows per day (longest bar: 2 rows)\n"
            "  2026-05-10  \x1b[36m\u2588\u2588\x1b[0m  2\n"
            "  2026-05-11  \x1b[36m\u2588\x1b[0m   1\n");
}

}  // namespace
}  // namespace aesync::cli
