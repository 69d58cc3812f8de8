// The window sync (sync_window_source) with a fake WindowSource serving rows per window, into a
// LocalStore in a temporary folder: outcomes, rows and manifests exact; verification mismatches
// and windows failing after rows restart the day once; a second failure fails it and leaves the
// previous export untouched; an empty day records rows 0 without a data object; a day whose
// lease another live run holds is busy.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

#include "../support/temp_dir.h"
#include "storage/local_store.h"
#include "sync/lease.h"
#include "sync/partition_index.h"
#include "sync/window_sync.h"
#include "util/log.h"
#include "util/time.h"

using namespace aesync;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

struct FakeRow {
  int64_t ts_ms;
  int64_t sample_interval;
};

// Rows per window start; counts as served, unless told to miscount or to fail mid-window.
struct FakeData {
  std::map<int64_t, std::vector<FakeRow>> rows;  // by window start (unix seconds)
  int miscounts = 0;                             // count() answers one row too many this many times
  int failures_after_rows = 0;                   // fetch() throws after delivering its first row this many times
  int fetches = 0;
};

class FakeWindowSource final : public WindowSource {
 public:
  explicit FakeWindowSource(FakeData& data) : data_(data) {}

  FetchStats fetch(const Window& window, const std::vector<RawColumn>& columns, RowConsumer& consumer) override {
    ++data_.fetches;
    FetchStats got;
    std::vector<RawValue> values(columns.size());
    for (const FakeRow& r : data_.rows[window.start]) {
      for (size_t c = 0; c < columns.size(); ++c) {
        RawValue& v = values[c];
        switch (columns[c].kind) {
          case RawColumn::Kind::Timestamp: v.i = r.ts_ms; break;
          case RawColumn::Kind::SampleInterval: v.i = r.sample_interval; break;
          case RawColumn::Kind::Double: v.d = 1.5; break;
          case RawColumn::Kind::Dataset:
          case RawColumn::Kind::Index:
          case RawColumn::Kind::Blob: v.s = "resource"; break;
        }
      }
      consumer.on_row(RawRow{values.data(), values.size(), got.rows + 1});
      ++got.rows;
      got.sample_weight += r.sample_interval;
      if (data_.failures_after_rows > 0) {
        --data_.failures_after_rows;
        throw SourceError("window " + window.describe() + ": connection reset", got.rows);
      }
    }
    return got;
  }
  WindowCounts count(const Window& window) override {
    WindowCounts want;
    for (const FakeRow& r : data_.rows[window.start]) {
      ++want.rows;
      want.sample_weight += r.sample_interval;
    }
    if (data_.miscounts > 0) {
      --data_.miscounts;
      ++want.rows;
    }
    return want;
  }
  std::string fetch_sql(const Window& window, const std::vector<RawColumn>&) const override {
    return "SELECT " + window.describe();
  }
  std::string probe() override { return "fake"; }
  std::string describe() const override { return "a fake source"; }

 private:
  FakeData& data_;
};

constexpr const char* kDay = "2026-02-03";

struct WindowSyncTest : ::testing::Test {
  void SetUp() override {
    log::set_level(log::Level::Off);
    config = default_config();
    config.source.type = SourceType::AnalyticsEngine;
    config.source.window_seconds = 6 * 3600;  // four windows a day
    config.source.verify = true;
    config.sync.concurrency = 1;
    config.destination.path = dir.path.string();
    options.from_day = options.to_day = day;
    options.force = true;
    options.now_seconds = (day + 2) * 86400 + 12 * 3600;
  }
  void TearDown() override { log::set_level(log::Level::Info); }

  int64_t window_start(int w) const { return day * 86400 + w * 6 * 3600; }
  void add_row(int window, int64_t offset_s, int64_t si) {
    data.rows[window_start(window)].push_back({(window_start(window) + offset_s) * 1000, si});
  }
  SyncReport run() {
    std::ostringstream plan;
    return sync_window_source(config, options, store, plan,
                              [this] { return std::make_unique<FakeWindowSource>(data); });
  }
  Manifest manifest() {
    const std::string key = std::string("machine_metrics/") + kDay + "/_manifest.json";
    return parse_manifest(*store.get(key), key);
  }
  std::string data_key() const { return std::string("machine_metrics/") + kDay + "/data.parquet"; }

  const int64_t day = *parse_day(kDay);
  TempDir dir;
  LocalStore store{dir.path.string()};
  Config config;
  SyncOptions options;
  FakeData data;
};

}  // namespace

TEST_F(WindowSyncTest, ExportsTheDayWindowByWindow) {
  add_row(0, 10, 1);
  add_row(0, 20, 10);
  add_row(2, 30, 100);
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  const PartitionOutcome& p = r.partitions[0];
  EXPECT_EQ(p.day, kDay);
  EXPECT_EQ(p.status, PartitionStatus::Ok);
  EXPECT_EQ(p.rows, 3u);
  EXPECT_EQ(p.sample_weight, 111);
  EXPECT_EQ(p.data_key, data_key());
  EXPECT_EQ(p.error, "");
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(data.fetches, 4);

  const Manifest m = manifest();
  EXPECT_EQ(m.rows, 3u);
  EXPECT_EQ(m.sample_weight, 111);
  EXPECT_EQ(m.source_rows, 3u);
  EXPECT_TRUE(m.verified);
  EXPECT_EQ(m.data_key, data_key());
  EXPECT_EQ(m.bytes, store.head(data_key())->size);
  ASSERT_EQ(m.windows.size(), 4u);
  for (int w = 0; w < 4; ++w) {
    EXPECT_EQ(m.windows[w].start, window_start(w));
    EXPECT_EQ(m.windows[w].end, window_start(w) + 6 * 3600);
    EXPECT_TRUE(m.windows[w].verified);
  }
  EXPECT_EQ(m.windows[0].rows, 2u);
  EXPECT_EQ(m.windows[0].sample_weight, 11);
  EXPECT_EQ(m.windows[1].rows, 0u);
  EXPECT_EQ(m.windows[2].rows, 1u);
  // The lease is gone, and nothing else is in the day's folder.
  EXPECT_FALSE(store.head(std::string("machine_metrics/") + kDay + "/_lease.json"));
  EXPECT_EQ(dir.files(), 2u);
}

TEST_F(WindowSyncTest, AVerificationMismatchRestartsTheDayOnceThenSucceeds) {
  add_row(1, 10, 1);
  add_row(3, 10, 2);
  data.miscounts = 1;
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(r.partitions[0].rows, 2u);
  EXPECT_EQ(data.fetches, 1 + 4);  // the first window, then the whole day again
  const Manifest m = manifest();
  EXPECT_EQ(m.rows, 2u);
  EXPECT_EQ(m.source_rows, 2u);
  EXPECT_EQ(m.windows.size(), 4u);
  EXPECT_EQ(dir.files(), 2u);
}

TEST_F(WindowSyncTest, TwoMismatchesFailTheDayAndLeaveThePreviousExportUntouched) {
  add_row(0, 10, 1);
  ASSERT_EQ(run().partitions[0].status, PartitionStatus::Ok);
  const std::string data_before = *store.get(data_key());
  const std::string manifest_key = std::string("machine_metrics/") + kDay + "/_manifest.json";
  const std::string manifest_before = *store.get(manifest_key);

  add_row(0, 20, 1);
  data.miscounts = 2;
  options.now_seconds = *options.now_seconds + 60;
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  const PartitionOutcome& p = r.partitions[0];
  EXPECT_EQ(p.status, PartitionStatus::Failed);
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(p.rows, 0u);
  const Window w0{window_start(0), window_start(1)};
  EXPECT_EQ(p.error,
            "window " + w0.describe() +
                ": verification failed: the source counts 3 rows (sum(_sample_interval) = 2), received 2 rows (2)");
  EXPECT_EQ(*store.get(data_key()), data_before);
  EXPECT_EQ(*store.get(manifest_key), manifest_before);
  EXPECT_EQ(dir.files(), 2u);  // no temporary file, no lease
}

TEST_F(WindowSyncTest, AWindowFailingAfterDeliveringRowsRestartsTheDay) {
  add_row(0, 10, 1);
  add_row(0, 20, 1);
  add_row(2, 10, 5);
  data.failures_after_rows = 1;
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(r.partitions[0].rows, 3u);
  EXPECT_EQ(r.partitions[0].sample_weight, 7);
  EXPECT_EQ(data.fetches, 1 + 4);
  EXPECT_EQ(manifest().rows, 3u);
}

TEST_F(WindowSyncTest, AnEmptyDayRecordsRowsZeroWithoutADataObject) {
  add_row(0, 10, 1);
  ASSERT_EQ(run().partitions[0].status, PartitionStatus::Ok);
  ASSERT_TRUE(store.head(data_key()));

  data.rows.clear();
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(r.partitions[0].rows, 0u);
  EXPECT_EQ(r.partitions[0].data_key, "");
  const Manifest m = manifest();
  EXPECT_EQ(m.rows, 0u);
  EXPECT_EQ(m.source_rows, 0u);
  EXPECT_EQ(m.data_key, "");
  EXPECT_EQ(m.windows.size(), 4u);
  EXPECT_FALSE(store.head(data_key()));
  EXPECT_EQ(dir.files(), 1u);
}

TEST_F(WindowSyncTest, ADayWhoseLeaseALiveRunHoldsIsBusy) {
  add_row(0, 10, 1);
  const std::string lease_key = std::string("machine_metrics/") + kDay + "/_lease.json";
  const int64_t now = now_seconds();
  const LeaseInfo theirs{"elsewhere/42/00c0ffee", "elsewhere", 42, now, now + 600};
  store.put(lease_key, lease_to_json(theirs));
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  const PartitionOutcome& p = r.partitions[0];
  EXPECT_EQ(p.status, PartitionStatus::Busy);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(p.rows, 0u);
  EXPECT_EQ(p.data_key, "");
  EXPECT_EQ(p.error, "another aesync run is exporting this day: elsewhere/42/00c0ffee (until " +
                         format_rfc3339(now + 600) + ")");
  EXPECT_EQ(data.fetches, 0);
  EXPECT_FALSE(store.head(data_key()));
  EXPECT_EQ(*store.get(lease_key), lease_to_json(theirs));
}
