#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "../support/temp_dir.h"
#include "storage/local_store.h"
#include "sync/partition_index.h"
#include "util/error.h"
#include "util/time.h"

using namespace aesync;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

// Records the order of deletions.
class RecordingStore final : public ObjectStore {
 public:
  explicit RecordingStore(ObjectStore& inner) : inner_(inner) {}
  std::unique_ptr<ObjectUpload> begin_upload(const std::string& key) override { return inner_.begin_upload(key); }
  std::optional<std::string> get(const std::string& key) override { return inner_.get(key); }
  std::optional<ObjectInfo> head(const std::string& key) override { return inner_.head(key); }
  std::vector<ObjectInfo> list(const std::string& prefix) override { return inner_.list(prefix); }
  void remove(const std::string& key) override {
    removed.push_back(key);
    inner_.remove(key);
  }
  std::string describe(const std::string& key) const override { return inner_.describe(key); }
  std::vector<std::string> removed;

 private:
  ObjectStore& inner_;
};

Manifest full_manifest() {
  Manifest m;
  m.partition = "2026-02-03";
  m.data_key = "machine_metrics/2026-02-03/data.parquet";
  m.rows = 18'446'744'073'709'551'000ull;  // past INT64_MAX: read as unsigned
  m.sample_weight = -7;
  m.bytes = 123456;
  m.sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  m.columns = {
      {"timestamp", *RawColumn::parse("timestamp"), ColumnType::Timestamp, std::nullopt, false},
      {"org_id", *RawColumn::parse("blob2"), ColumnType::String, std::nullopt, true},
      {"cpu", *RawColumn::parse("double1"), ColumnType::Double, WhenCondition{*RawColumn::parse("blob4"), "resource"},
       false},
      {"weight", *RawColumn::parse("_sample_interval"), ColumnType::Int64, std::nullopt, false},
      {"name \"q\"\\", *RawColumn::parse("index1"), ColumnType::String, std::nullopt, false},
  };
  m.windows = {{1770076800, 1770080400, 3, 12, 3, 1, true}, {1770080400, 1770084000, 2, 30, 20, 0.1, false}};
  m.source_rows = 23;
  m.verified = true;  // (a parsing test: not what a sync with a read-sampled window writes)
  m.read_sampled = true;
  m.exported_at = "2026-02-05T12:00:00Z";
  m.aesync_version = "0.1.0";
  return m;
}

std::string manifest_error(std::string_view json) {
  try {
    parse_manifest(json, "p/2026-02-03/_manifest.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

std::vector<std::string> keys(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> out;
  for (const ObjectInfo& o : objects) out.push_back(o.key);
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST(PartitionIndex, LayoutKeys) {
  const std::string p = "machine_metrics";
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/data.parquet"), 20454);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/_manifest.json"), 20454);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2024-02-29/data.csv.gz"), *parse_day("2024-02-29"));
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/data.csv"), 20454);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/_lease.json"), 20454);
  // Only the names aesync writes there: an encoded slash is just a character of another name.
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/a%2Fb"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/notes.txt"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics_old/2026-01-01/data.parquet"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("other/2026-01-01/data.parquet"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("x/machine_metrics/2026-01-01/data.parquet"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/x/2026-01-01/data.parquet"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/sub/data.parquet"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/../x"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/.."), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/."), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01/data/"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-02-30/data.parquet"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-1-01/data.parquet"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/20260101xx/data.parquet"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/2026-01-01x/data.parquet"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/notes.txt"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics/_aesync_check/probe"), std::nullopt);
  EXPECT_EQ(PartitionLayout(p).day_of_key("machine_metrics//2026-01-01/data.parquet"), std::nullopt);
  // A prefix with several segments.
  EXPECT_EQ(PartitionLayout("team/metrics").day_of_key("team/metrics/2026-01-01/data.parquet"), 20454);
  EXPECT_EQ(PartitionLayout("team/metrics").day_of_key("team/metrics2/2026-01-01/data.parquet"), std::nullopt);
}

TEST(PartitionIndex, ManifestRoundTrip) {
  const Manifest m = full_manifest();
  const std::string json = manifest_to_json(m);
  const Manifest r = parse_manifest(json, "here");
  EXPECT_EQ(r.partition, "2026-02-03");
  EXPECT_EQ(r.data_key, "machine_metrics/2026-02-03/data.parquet");
  EXPECT_EQ(r.rows, 18'446'744'073'709'551'000ull);
  EXPECT_EQ(r.sample_weight, -7);
  EXPECT_EQ(r.bytes, 123456u);
  EXPECT_EQ(r.sha256, m.sha256);
  ASSERT_EQ(r.columns.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(r.columns[i].name, m.columns[i].name);
    EXPECT_EQ(r.columns[i].type, m.columns[i].type);
    EXPECT_EQ(r.columns[i].from, m.columns[i].from);
  }
  std::vector<bool> nullable;
  for (const ColumnSpec& c : r.columns) nullable.push_back(c.declared_nullable);
  EXPECT_EQ(nullable, (std::vector<bool>{false, true, true, false, false}));
  ASSERT_EQ(r.windows.size(), 2u);
  EXPECT_EQ(r.windows[0].start, 1770076800);
  EXPECT_EQ(r.windows[0].end, 1770080400);
  EXPECT_EQ(r.windows[0].rows, 3u);
  EXPECT_EQ(r.windows[0].sample_weight, 12);
  EXPECT_TRUE(r.windows[0].verified);
  EXPECT_EQ(r.windows[1].start, 1770080400);
  EXPECT_EQ(r.windows[1].end, 1770084000);
  EXPECT_EQ(r.windows[1].rows, 2u);
  EXPECT_EQ(r.windows[1].sample_weight, 30);
  EXPECT_EQ(r.windows[1].source_rows, 20u);
  EXPECT_EQ(r.windows[1].resolution, 0.1);
  EXPECT_FALSE(r.windows[1].verified);
  EXPECT_TRUE(r.read_sampled);
  EXPECT_EQ(r.source_rows, 23u);
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(r.exported_at, "2026-02-05T12:00:00Z");
  EXPECT_EQ(r.aesync_version, "0.1.0");
  // Written again, it is the same text.
  EXPECT_EQ(manifest_to_json(r), json);
}

TEST(PartitionIndex, EmptyDayManifestRoundTrip) {
  Manifest m;
  m.partition = "2026-02-04";
  m.exported_at = "2026-02-05T00:00:00Z";
  m.aesync_version = "0.1.0";
  const std::string json = manifest_to_json(m);
  const Manifest r = parse_manifest(json, "here");
  EXPECT_EQ(r.data_key, "");
  EXPECT_EQ(r.rows, 0u);
  EXPECT_TRUE(r.columns.empty());
  EXPECT_TRUE(r.windows.empty());
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(manifest_to_json(r), json);
}

TEST(PartitionIndex, ManifestUnknownKeysAreIgnored) {
  std::string json = manifest_to_json(full_manifest());
  json = replace(json, "\"rows\": 18", "\"future\": {\"a\": [1, null, \"x\"]}, \"rows\": 18");
  json = replace(json, "\"verified\": true}", "\"verified\": true, \"retries\": 2}");
  json = replace(json, "\"nullable\": false}", "\"nullable\": false, \"comment\": \"hi\"}");
  const Manifest r = parse_manifest(json, "here");
  EXPECT_EQ(r.rows, 18'446'744'073'709'551'000ull);
  EXPECT_EQ(manifest_to_json(r), manifest_to_json(full_manifest()));
}

TEST(PartitionIndex, AManifestOfAnOlderAesyncReadsAsFullResolution) {
  // Written before read-time sampling was detected: no read_sampled, no per-window source_rows
  // or resolution.
  std::string json = manifest_to_json(full_manifest());
  json = replace(json, ", \"source_rows\": 3, \"resolution\": 1", "");
  json = replace(json, ", \"source_rows\": 20, \"resolution\": 0.1", "");
  json = replace(json, ",\n  \"read_sampled\": true", "");
  const Manifest r = parse_manifest(json, "here");
  ASSERT_EQ(r.windows.size(), 2u);
  EXPECT_EQ(r.windows[0].source_rows, 3u);
  EXPECT_EQ(r.windows[1].source_rows, 2u);
  EXPECT_EQ(r.windows[1].resolution, 1);
  EXPECT_FALSE(r.read_sampled);
  EXPECT_EQ(r.source_rows, 23u);
}

TEST(PartitionIndex, ManifestErrors) {
  const std::string json = manifest_to_json(full_manifest());
  const std::string at = "p/2026-02-03/_manifest.json: not an aesync manifest: ";
  EXPECT_EQ(manifest_error(""), at + "invalid JSON (Empty: no JSON found)");
  EXPECT_EQ(
      manifest_error("{\"partition\": "),
      at +
          "invalid JSON (The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, etc.)");
  EXPECT_EQ(manifest_error("[1]"), at + "the document is not a JSON object");
  EXPECT_EQ(manifest_error(replace(json, "\"rows\": 18446744073709551000,", "")), at + "\"rows\" is missing");
  EXPECT_EQ(manifest_error(replace(json, "\"rows\": 18446744073709551000", "\"rows\": \"3\"")),
            at + "\"rows\" is not a non-negative integer");
  EXPECT_EQ(manifest_error(replace(json, "\"bytes\": 123456", "\"bytes\": -1")),
            at + "\"bytes\" is not a non-negative integer");
  EXPECT_EQ(manifest_error(replace(json, "\"sample_weight\": -7", "\"sample_weight\": 1.5")),
            at + "\"sample_weight\" is not an integer");
  EXPECT_EQ(manifest_error(replace(json, "\"partition\": \"2026-02-03\"", "\"partition\": \"2026-02-30\"")),
            at + "\"partition\" is \"2026-02-30\", not a YYYY-MM-DD day");
  EXPECT_EQ(manifest_error(replace(json, "\"partition\": \"2026-02-03\"", "\"partition\": 20487")),
            at + "\"partition\" is not a string");
  EXPECT_EQ(
      manifest_error(replace(json, "\"data_key\": \"machine_metrics/2026-02-03/data.parquet\"", "\"data_key\": false")),
      at + "\"data_key\" is not a string");
  EXPECT_EQ(manifest_error(replace(json, "\"type\": \"double\"", "\"type\": \"float\"")),
            at + "\"columns[2].type\" is \"float\", not a column type");
  EXPECT_EQ(manifest_error(replace(json, "\"from\": \"blob2\"", "\"from\": \"blob99\"")),
            at + "\"columns[1].from\" is \"blob99\", not an AE column");
  EXPECT_EQ(manifest_error(replace(json, ", \"nullable\": true}", "}")), at + "\"columns[1].nullable\" is missing");
  EXPECT_EQ(manifest_error(replace(json, "\"columns\": [", "\"columns\": [3, ")),
            at + "\"columns[0]\" is not an object");
  EXPECT_EQ(manifest_error(replace(json, "\"start\": \"2026-02-03T01:00:00Z\"", "\"start\": \"2026-02-03 01:00:00\"")),
            at + "\"windows[1].start\" is \"2026-02-03 01:00:00\", not an RFC 3339 UTC time (YYYY-MM-DDThh:mm:ssZ)");
  EXPECT_EQ(manifest_error(replace(json, "\"windows\": [", "\"windows\": {\"a\": 1}, \"x\": [")),
            at + "\"windows\" is not an array");
  EXPECT_EQ(manifest_error(replace(json, "\"verified\": true,\n", "\"verified\": 1,\n")),
            at + "\"verified\" is not true or false");
  EXPECT_EQ(manifest_error(replace(json, "\"aesync_version\": \"0.1.0\"", "\"aesync_version\": null")),
            at + "\"aesync_version\" is not a string");
}

TEST(PartitionIndex, ListPartitionsKeepsOnlyLayoutKeys) {
  TempDir dir;
  LocalStore store(dir.path.string());
  Manifest m = full_manifest();
  m.partition = "2026-01-01";
  store.put("machine_metrics_old/2026-01-01/data.parquet", "old");
  store.put("machine_metrics/notes.txt", "notes");
  store.put("machine_metrics/x/2026-01-01/data.parquet", "x");
  store.put("machine_metrics/_aesync_check/probe", "probe");
  store.put("machine_metrics/2026-01-01/sub/data.parquet", "deeper");
  store.put("machine_metrics/2026-02-30/data.parquet", "not a day");
  store.put("machine_metrics/2026-01-01/data.parquet", "12345");
  store.put("machine_metrics/2026-01-01/_manifest.json", manifest_to_json(m));
  store.put("machine_metrics/2026-01-02/data.parquet", "no manifest");
  store.put("machine_metrics/2026-01-03/_manifest.json", "{not json");
  store.put("machine_metrics/2026-01-04/_manifest.json", manifest_to_json(full_manifest()));  // for 2026-02-03

  const auto bare = list_partitions(store, "machine_metrics", false);
  ASSERT_EQ(bare.size(), 4u);
  EXPECT_EQ(format_day(bare[0].day), "2026-01-01");
  EXPECT_EQ(keys(bare[0].objects),
            (Strings{"machine_metrics/2026-01-01/_manifest.json", "machine_metrics/2026-01-01/data.parquet"}));
  EXPECT_EQ(bare[0].objects[1].size, 5u);
  EXPECT_EQ(keys(bare[1].objects), (Strings{"machine_metrics/2026-01-02/data.parquet"}));
  EXPECT_EQ(keys(bare[2].objects), (Strings{"machine_metrics/2026-01-03/_manifest.json"}));
  EXPECT_EQ(keys(bare[3].objects), (Strings{"machine_metrics/2026-01-04/_manifest.json"}));
  for (const PartitionEntry& e : bare) {
    EXPECT_FALSE(e.manifest);
    EXPECT_EQ(e.manifest_error, "");
  }

  const auto read = list_partitions(store, "machine_metrics", true);
  ASSERT_EQ(read.size(), 4u);
  ASSERT_TRUE(read[0].manifest);
  EXPECT_EQ(read[0].manifest->partition, "2026-01-01");
  EXPECT_EQ(read[0].manifest->rows, m.rows);
  EXPECT_EQ(read[0].manifest_error, "");
  EXPECT_FALSE(read[1].manifest);
  EXPECT_EQ(read[1].manifest_error, store.describe("machine_metrics/2026-01-02/_manifest.json") + ": no manifest");
  EXPECT_FALSE(read[2].manifest);
  EXPECT_EQ(read[2].manifest_error, store.describe("machine_metrics/2026-01-03/_manifest.json") +
                                        ": not an aesync manifest: invalid JSON (The JSON document has an improper "
                                        "structure: missing or superfluous commas, braces, missing keys, etc.)");
  EXPECT_FALSE(read[3].manifest);
  EXPECT_EQ(read[3].manifest_error, store.describe("machine_metrics/2026-01-04/_manifest.json") +
                                        ": the manifest is for 2026-02-03, not 2026-01-04");

  EXPECT_TRUE(list_partitions(store, "nothing_here", true).empty());
}

TEST(PartitionIndex, PruneDeletesExactlyTheOldDays) {
  TempDir dir;
  LocalStore local(dir.path.string());
  const Strings neighbours = {
      "machine_metrics/2026-01-01/sub/data.parquet",
      "machine_metrics/_aesync_check/probe",
      "machine_metrics/notes.txt",
      "machine_metrics/x/2026-01-01/data.parquet",
      "machine_metrics_old/2026-01-01/data.parquet",
      "other/2026-01-01/_manifest.json",
  };
  const Strings old_days = {
      "machine_metrics/2026-01-01/_manifest.json", "machine_metrics/2026-01-01/data.parquet",
      "machine_metrics/2026-01-31/data.csv.gz",    "machine_metrics/2026-02-01/_manifest.json",
      "machine_metrics/2026-02-01/data.parquet",
  };
  const Strings kept_days = {
      "machine_metrics/2026-02-02/_manifest.json",
      "machine_metrics/2026-02-02/data.parquet",
      "machine_metrics/2026-02-05/_manifest.json",
      "machine_metrics/2026-02-05/data.parquet",
  };
  for (const auto* list : {&neighbours, &old_days, &kept_days})
    for (const std::string& k : *list) local.put(k, "x");
  const auto everything = [&] { return keys(local.list("")); };
  const Strings before = everything();
  ASSERT_EQ(before.size(), 15u);

  // 2026-02-05T12:34:56Z, retention 3: days before 2026-02-02 go.
  const int64_t now = 1770294896;
  RecordingStore store(local);
  const PruneResult dry = prune_partitions(store, "machine_metrics", 3, now, true);
  EXPECT_EQ(dry.deleted_keys, old_days);
  EXPECT_EQ(dry.days,
            (std::vector<int64_t>{*parse_day("2026-01-01"), *parse_day("2026-01-31"), *parse_day("2026-02-01")}));
  EXPECT_TRUE(store.removed.empty());
  EXPECT_EQ(everything(), before);

  const PruneResult done = prune_partitions(store, "machine_metrics", 3, now, false);
  EXPECT_EQ(done.deleted_keys, old_days);
  EXPECT_EQ(done.days, dry.days);
  // Manifests first, then the data.
  EXPECT_EQ(store.removed,
            (Strings{"machine_metrics/2026-01-01/_manifest.json", "machine_metrics/2026-02-01/_manifest.json",
                     "machine_metrics/2026-01-01/data.parquet", "machine_metrics/2026-01-31/data.csv.gz",
                     "machine_metrics/2026-02-01/data.parquet"}));
  Strings rest = neighbours;
  rest.insert(rest.end(), kept_days.begin(), kept_days.end());
  std::sort(rest.begin(), rest.end());
  EXPECT_EQ(everything(), rest);

  // Nothing left to prune.
  const PruneResult again = prune_partitions(store, "machine_metrics", 3, now, false);
  EXPECT_TRUE(again.deleted_keys.empty());
  EXPECT_TRUE(again.days.empty());
}

TEST(PartitionIndex, PruneKeepsTheDayExactlyAtRetention) {
  TempDir dir;
  LocalStore store(dir.path.string());
  store.put("p/2026-02-01/data.parquet", "x");  // today - 4
  store.put("p/2026-02-02/data.parquet", "x");  // today - 3: kept with retention 3
  const PruneResult r = prune_partitions(store, "p", 3, 1770294896, false);
  EXPECT_EQ(r.deleted_keys, (Strings{"p/2026-02-01/data.parquet"}));
  EXPECT_EQ(keys(store.list("p/")), (Strings{"p/2026-02-02/data.parquet"}));
}
