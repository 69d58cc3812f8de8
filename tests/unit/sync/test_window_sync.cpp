// The window sync (sync_window_source) with a fake WindowSource serving rows by timestamp, into a
// LocalStore in a temporary folder: requests per kind (histogram / data / count) exact; the
// day's windows cut from its histogram; windows checked against it (a sampled histogram, late
// rows: the window's own count wins); read-sampled windows split until exact, or kept at one
// bucket (read_sampled, not verified, ok, warned), or incomplete at one bucket (kept, not
// verified, not read_sampled, warned apart); a window failing after rows is read again, not the
// day; an empty day costs one request and records rows 0 without a data object; a day whose
// lease another live run holds is busy.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

#include "../support/temp_dir.h"
#include "parquet/parquet_reader.h"
#include "storage/local_store.h"
#include "sync/lease.h"
#include "sync/partition_index.h"
#include "sync/window_sync.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/time.h"

using namespace aesync;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

struct FakeRow {
  int64_t ts_ms;
  int64_t sample_interval;
  std::string kind = "resource";  // every string column's value (metric_type is blob4)
};

// The source's rows (by timestamp), how it answers, and the requests it saw per kind.
struct FakeData {
  std::vector<FakeRow> rows;
  std::vector<FakeRow> late_rows;  // appear right after the first histogram query
  int histogram_divisor = 1;       // the histogram counts ceil(n / divisor) rows per bucket (sampled)
  int read_divisor = 1;            // reads longer than `sampled_above` seconds return 1 row per divisor
  int64_t sampled_above = 0;       // (their intervals summed: sum-preserving, as the e2e gateway)
  int failures_after_rows = 0;     // fetch() throws after delivering its first row this many times
  int64_t lost_ts_ms = -1;         // a row at this timestamp is counted but never returned by a read
  int histograms = 0, fetches = 0, counts = 0;
  std::vector<Window> fetched;

  std::vector<FakeRow> in(const Window& w) const {
    std::vector<FakeRow> out;
    for (const FakeRow& r : rows)
      if (r.ts_ms >= w.start * 1000 && r.ts_ms < w.end * 1000) out.push_back(r);
    std::sort(out.begin(), out.end(), [](const FakeRow& a, const FakeRow& b) { return a.ts_ms < b.ts_ms; });
    return out;
  }
};

class FakeWindowSource final : public WindowSource {
 public:
  explicit FakeWindowSource(FakeData& data) : data_(data) {}

  FetchStats fetch(const Window& window, const std::vector<RawColumn>& columns, RowConsumer& consumer) override {
    ++data_.fetches;
    data_.fetched.push_back(window);
    std::vector<FakeRow> rows = data_.in(window);
    std::erase_if(rows, [this](const FakeRow& r) { return r.ts_ms == data_.lost_ts_ms; });
    const int k = window.end - window.start > data_.sampled_above ? data_.read_divisor : 1;
    if (k > 1) {
      std::vector<FakeRow> sampled;
      for (size_t i = 0; i < rows.size(); ++i) {
        if (i % k == 0)
          sampled.push_back(rows[i]);
        else
          sampled.back().sample_interval += rows[i].sample_interval;
      }
      rows = sampled;
    }
    FetchStats got;
    std::vector<RawValue> values(columns.size());
    for (const FakeRow& r : rows) {
      for (size_t c = 0; c < columns.size(); ++c) {
        RawValue& v = values[c];
        switch (columns[c].kind) {
          case RawColumn::Kind::Timestamp: v.i = r.ts_ms; break;
          case RawColumn::Kind::SampleInterval: v.i = r.sample_interval; break;
          case RawColumn::Kind::Double: v.d = 1.5; break;
          case RawColumn::Kind::Dataset:
          case RawColumn::Kind::Index:
          case RawColumn::Kind::Blob: v.s = r.kind; break;
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
    ++data_.counts;
    WindowCounts want;
    for (const FakeRow& r : data_.in(window)) {
      ++want.rows;
      want.sample_weight += r.sample_interval;
    }
    return want;
  }
  std::vector<HistogramBucket> histogram(const Window& span, int64_t bucket_seconds) override {
    ++data_.histograms;
    std::map<int64_t, HistogramBucket> by_start;
    for (const FakeRow& r : data_.in(span)) {
      HistogramBucket& b = by_start[r.ts_ms / 1000 / bucket_seconds * bucket_seconds];
      b.start = r.ts_ms / 1000 / bucket_seconds * bucket_seconds;
      ++b.rows;
      b.sample_weight += r.sample_interval;
    }
    std::vector<HistogramBucket> out;
    for (auto& [start, b] : by_start) {
      b.rows = (b.rows + data_.histogram_divisor - 1) / data_.histogram_divisor;
      out.push_back(b);
    }
    data_.rows.insert(data_.rows.end(), data_.late_rows.begin(), data_.late_rows.end());
    data_.late_rows.clear();
    return out;
  }
  std::string histogram_sql(const Window& span, int64_t) const override { return "HISTOGRAM " + span.describe(); }
  std::string fetch_sql(const Window& window, const std::vector<RawColumn>&) const override {
    return "SELECT " + window.describe();
  }
  std::string probe() override { return "fake"; }
  std::string describe() const override { return "a fake source"; }

 private:
  FakeData& data_;
};

constexpr const char* kDay = "2026-02-03";
constexpr int64_t kBucket = kHistogramBucketSeconds;

struct WindowSyncTest : ::testing::Test {
  void SetUp() override {
    log::set_level(log::Level::Off);
    // Declared as the daemon declares it (an undeclared counter is not counted).
    metrics::global().declare("aesync_read_sampled_windows_total", metrics::Type::Counter, "read-sampled windows");
    config = default_config();
    config.source.type = SourceType::AnalyticsEngine;
    config.source.window_seconds = 86400;
    config.source.window_rows = 4;
    config.source.verify = true;
    config.sync.concurrency = 1;
    config.destination.path = dir.path.string();
    options.from_day = options.to_day = day;
    options.force = true;
    options.now_seconds = (day + 2) * 86400 + 12 * 3600;
  }
  void TearDown() override { log::set_level(log::Level::Info); }

  int64_t start() const { return day * 86400; }
  // A row `offset_s` seconds after the day's start.
  void add_row(int64_t offset_s, int64_t si, std::string kind = "resource") {
    data.rows.push_back({(start() + offset_s) * 1000, si, std::move(kind)});
  }
  // A table of the built-in mapping under `prefix` (its name too).
  static TableConfig table(const std::string& prefix) {
    TableConfig t;
    t.name = t.prefix = prefix;
    t.shape.mapping = Schema::builtin_machine_metrics();
    return t;
  }
  Manifest manifest_of(const std::string& prefix) {
    const std::string key = prefix + "/" + kDay + "/_manifest.json";
    return parse_manifest(*store.get(key), key);
  }
  SyncReport run() {
    std::ostringstream plan;
    SyncReport r = sync_window_source(config, options, store, plan,
                                      [this](const std::string&) { return std::make_unique<FakeWindowSource>(data); });
    plan_text = plan.str();
    return r;
  }
  Manifest manifest() {
    const std::string key = std::string("machine_metrics/") + kDay + "/_manifest.json";
    return parse_manifest(*store.get(key), key);
  }
  std::string data_key() const { return std::string("machine_metrics/") + kDay + "/data.parquet"; }
  // The windows of the manifest as [start, end) offsets from the day's start.
  std::vector<std::pair<int64_t, int64_t>> window_offsets() {
    std::vector<std::pair<int64_t, int64_t>> out;
    for (const WindowRecord& w : manifest().windows) out.emplace_back(w.start - start(), w.end - start());
    return out;
  }
  void expect_requests(int histograms, int fetches, int counts) {
    EXPECT_EQ(data.histograms, histograms);
    EXPECT_EQ(data.fetches, fetches);
    EXPECT_EQ(data.counts, counts);
  }

  const int64_t day = *parse_day(kDay);
  TempDir dir;
  LocalStore store{dir.path.string()};
  Config config;
  SyncOptions options;
  FakeData data;
  std::string plan_text;
};

using Offsets = std::vector<std::pair<int64_t, int64_t>>;

}  // namespace

TEST_F(WindowSyncTest, ADayUnderTheBudgetCostsTwoRequests) {
  add_row(10, 1);
  add_row(20, 10);
  add_row(12 * 3600 + 30, 100);
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  const PartitionOutcome& p = r.partitions[0];
  EXPECT_EQ(p.day, kDay);
  EXPECT_EQ(p.status, PartitionStatus::Ok);
  EXPECT_EQ(p.rows, 3u);
  EXPECT_EQ(p.sample_weight, 111);
  EXPECT_EQ(p.data_key, data_key());
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.warning, "");
  EXPECT_FALSE(p.read_sampled);
  EXPECT_FALSE(r.failed());
  expect_requests(1, 1, 0);

  const Manifest m = manifest();
  EXPECT_EQ(m.rows, 3u);
  EXPECT_EQ(m.sample_weight, 111);
  EXPECT_EQ(m.source_rows, 3u);
  EXPECT_TRUE(m.verified);
  EXPECT_FALSE(m.read_sampled);
  EXPECT_EQ(m.data_key, data_key());
  EXPECT_EQ(m.bytes, store.head(data_key())->size);
  ASSERT_EQ(m.windows.size(), 1u);
  EXPECT_EQ(m.windows[0].start, start());
  EXPECT_EQ(m.windows[0].end, start() + 86400);
  EXPECT_EQ(m.windows[0].rows, 3u);
  EXPECT_EQ(m.windows[0].sample_weight, 111);
  EXPECT_EQ(m.windows[0].source_rows, 3u);
  EXPECT_EQ(m.windows[0].resolution, 1);
  EXPECT_TRUE(m.windows[0].verified);
  // The lease is gone, and nothing else is in the day's folder.
  EXPECT_FALSE(store.head(std::string("machine_metrics/") + kDay + "/_lease.json"));
  EXPECT_EQ(dir.files(), 2u);
}

TEST_F(WindowSyncTest, ADayOfThreeTimesTheBudgetIsReadInThreeWindows) {
  // 12 rows in 12 distinct buckets (one every 10 minutes from 01:00), budget 4 rows.
  for (int i = 0; i < 12; ++i) add_row(3600 + i * 600, 1);
  const SyncReport r = run();
  ASSERT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(r.partitions[0].rows, 12u);
  expect_requests(1, 3, 0);
  // Each window takes buckets up to the one that would make it 5 rows; the last runs to midnight.
  EXPECT_EQ(window_offsets(),
            (Offsets{{0, 3600 + 4 * 600}, {3600 + 4 * 600, 3600 + 8 * 600}, {3600 + 8 * 600, 86400}}));
  const Manifest m = manifest();
  for (const WindowRecord& w : m.windows) {
    EXPECT_EQ(w.rows, 4u);
    EXPECT_TRUE(w.verified);
  }
  EXPECT_TRUE(m.verified);
}

TEST_F(WindowSyncTest, WindowIsTheLongestWindowAllowed) {
  config.source.window_seconds = 6 * 3600;
  add_row(10, 1);
  const SyncReport r = run();
  ASSERT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  expect_requests(1, 4, 0);
  EXPECT_EQ(window_offsets(), (Offsets{{0, 21600}, {21600, 43200}, {43200, 64800}, {64800, 86400}}));
  EXPECT_EQ(manifest().windows[1].rows, 0u);
  EXPECT_TRUE(manifest().windows[1].verified);
}

TEST_F(WindowSyncTest, ASampledHistogramIsOverruledByTheWindowsOwnCount) {
  // 20 rows in one bucket; the histogram says 2 (resolution 0.1): the read gets 20, its count says
  // 20, and the window is verified.
  for (int i = 0; i < 20; ++i) add_row(600 + i, 3);
  data.histogram_divisor = 10;
  const SyncReport r = run();
  ASSERT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(r.partitions[0].rows, 20u);
  expect_requests(1, 1, 1);
  const Manifest m = manifest();
  ASSERT_EQ(m.windows.size(), 1u);
  EXPECT_EQ(m.windows[0].rows, 20u);
  EXPECT_EQ(m.windows[0].source_rows, 20u);
  EXPECT_TRUE(m.windows[0].verified);
  EXPECT_TRUE(m.verified);
  EXPECT_FALSE(m.read_sampled);
}

TEST_F(WindowSyncTest, AWindowReadSampledWhenLongIsSplitUntilExact) {
  // 2 rows in each of 4 buckets; reads longer than one bucket come back at 1 row in 2.
  config.source.window_rows = 100;
  for (int b = 0; b < 4; ++b) {
    add_row(b * 3600 + 10, 1);
    add_row(b * 3600 + 20, 2);
  }
  data.read_divisor = 2;
  data.sampled_above = kBucket;
  const SyncReport r = run();
  ASSERT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(r.partitions[0].rows, 8u);
  EXPECT_EQ(r.partitions[0].sample_weight, 12);
  EXPECT_EQ(r.partitions[0].warning, "");
  const Manifest m = manifest();
  EXPECT_EQ(m.rows, 8u);
  EXPECT_EQ(m.sample_weight, 12);
  EXPECT_TRUE(m.verified);
  EXPECT_FALSE(m.read_sampled);
  uint64_t rows = 0;
  int64_t prev_end = start();
  for (const WindowRecord& w : m.windows) {
    EXPECT_EQ(w.start, prev_end);  // contiguous
    prev_end = w.end;
    EXPECT_TRUE(w.verified);
    EXPECT_EQ(w.resolution, 1);
    EXPECT_EQ(w.source_rows, w.rows);
    rows += w.rows;
    // Only windows of one bucket could come back whole.
    if (w.rows > 0) {
      EXPECT_EQ(w.end - w.start, kBucket);
    }
  }
  EXPECT_EQ(prev_end, start() + 86400);
  EXPECT_EQ(rows, 8u);
  EXPECT_EQ(data.histograms, 1);
  // Every mismatching read is followed by its count; each accepted read matched the histogram.
  EXPECT_EQ(data.counts, data.fetches - static_cast<int>(m.windows.size()));
}

TEST_F(WindowSyncTest, AWindowReadSampledAtEverySizeIsKeptAtOneBucket) {
  config.source.window_rows = 100;
  for (int i = 0; i < 20; ++i) add_row(7200 + i, 1 + i % 2);  // 20 rows, weight 30, in one bucket
  add_row(9 * 3600, 5);                                       // 1 row alone: comes back whole
  data.read_divisor = 10;
  data.sampled_above = 0;
  const double sampled_before = metrics::global().value("aesync_read_sampled_windows_total");
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  const PartitionOutcome& p = r.partitions[0];
  EXPECT_EQ(p.status, PartitionStatus::Ok);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(p.rows, 3u);
  EXPECT_EQ(p.sample_weight, 35);  // the weights keep the sum
  EXPECT_TRUE(p.read_sampled);
  const Window sampled{start() + 7200, start() + 7200 + kBucket};
  EXPECT_EQ(p.warning, "read-sampled by Analytics Engine: windows " + sampled.describe() +
                           " at resolution 0.1 (2 of 20 rows); kept as returned (weights keep sums unbiased); a "
                           "later run retries");
  EXPECT_EQ(metrics::global().value("aesync_read_sampled_windows_total"), sampled_before + 1);
  const Manifest m = manifest();
  EXPECT_EQ(m.rows, 3u);
  EXPECT_EQ(m.sample_weight, 35);
  EXPECT_EQ(m.source_rows, 21u);
  EXPECT_FALSE(m.verified);
  EXPECT_TRUE(m.read_sampled);
  int kept = 0;
  for (const WindowRecord& w : m.windows) {
    if (w.start != sampled.start) {
      EXPECT_TRUE(w.verified);
      EXPECT_EQ(w.resolution, 1);
      continue;
    }
    ++kept;
    EXPECT_EQ(w.end, sampled.end);
    EXPECT_EQ(w.rows, 2u);
    EXPECT_EQ(w.sample_weight, 30);
    EXPECT_EQ(w.source_rows, 20u);
    EXPECT_EQ(w.resolution, 0.1);
    EXPECT_FALSE(w.verified);
  }
  EXPECT_EQ(kept, 1);

  // A later backfill re-exports the day (not verified), at full resolution once AE allows it.
  options.force = false;
  data.read_divisor = 1;
  const SyncReport again = run();
  ASSERT_EQ(again.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(again.partitions[0].rows, 21u);
  EXPECT_TRUE(manifest().verified);
  EXPECT_FALSE(manifest().read_sampled);
}

TEST_F(WindowSyncTest, AWindowIncompleteAtOneBucketIsKeptUnverifiedAndWarnedNotReadSampled) {
  // 10 rows in one bucket, one of which no read returns (9 of 10: resolution 1, not sampled).
  config.source.window_rows = 100;
  for (int i = 0; i < 10; ++i) add_row(7200 + i, 1);
  add_row(9 * 3600, 5);
  data.lost_ts_ms = (start() + 7203) * 1000;
  const double sampled_before = metrics::global().value("aesync_read_sampled_windows_total");
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  const PartitionOutcome& p = r.partitions[0];
  EXPECT_EQ(p.status, PartitionStatus::Ok);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(p.rows, 10u);
  EXPECT_EQ(p.sample_weight, 14);
  EXPECT_FALSE(p.read_sampled);
  const Window kept{start() + 7200, start() + 7200 + kBucket};
  EXPECT_EQ(p.warning, "not as counted by the source: windows " + kept.describe() +
                           " (9 rows, sample weight 9 received; 10 rows, sample weight 10 counted); kept as "
                           "returned, the day is not verified; a later run retries");
  EXPECT_EQ(metrics::global().value("aesync_read_sampled_windows_total"), sampled_before);
  const Manifest m = manifest();
  EXPECT_EQ(m.rows, 10u);
  EXPECT_EQ(m.source_rows, 11u);
  EXPECT_FALSE(m.verified);
  EXPECT_FALSE(m.read_sampled);
  int unverified = 0;
  for (const WindowRecord& w : m.windows) {
    if (w.verified) continue;
    ++unverified;
    EXPECT_EQ(w.start, kept.start);
    EXPECT_EQ(w.end, kept.end);
    EXPECT_EQ(w.rows, 9u);
    EXPECT_EQ(w.sample_weight, 9);
    EXPECT_EQ(w.source_rows, 10u);
    EXPECT_EQ(w.resolution, 1);
  }
  EXPECT_EQ(unverified, 1);
}

TEST_F(WindowSyncTest, ReadSampledAndIncompleteWindowsAreWarnedApartInOneWarning) {
  // Reads come back at 1 row in 10 everywhere; the row alone at 09:00 is never returned at all.
  config.source.window_rows = 100;
  for (int i = 0; i < 20; ++i) add_row(7200 + i, 1);
  add_row(9 * 3600, 5);
  data.lost_ts_ms = (start() + 9 * 3600) * 1000;
  data.read_divisor = 10;
  data.sampled_above = 0;
  const SyncReport r = run();
  const PartitionOutcome& p = r.partitions[0];
  EXPECT_EQ(p.status, PartitionStatus::Ok);
  EXPECT_TRUE(p.read_sampled);
  const Window sampled{start() + 7200, start() + 7200 + kBucket};
  const Window lost{start() + 9 * 3600, start() + 9 * 3600 + kBucket};
  EXPECT_EQ(p.warning, "read-sampled by Analytics Engine: windows " + sampled.describe() +
                           " at resolution 0.1 (2 of 20 rows); kept as returned (weights keep sums unbiased); a "
                           "later run retries. not as counted by the source: windows " +
                           lost.describe() +
                           " (0 rows, sample weight 0 received; 1 rows, sample weight 5 counted); kept as returned, "
                           "the day is not verified; a later run retries");
  EXPECT_FALSE(manifest().verified);
  EXPECT_TRUE(manifest().read_sampled);
}

TEST_F(WindowSyncTest, LateRowsAreRecountedNotReportedAsLoss) {
  add_row(10, 1);
  data.late_rows.push_back({(start() + 20) * 1000, 7});
  const SyncReport r = run();
  ASSERT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(r.partitions[0].rows, 2u);
  expect_requests(1, 1, 1);
  const Manifest m = manifest();
  EXPECT_TRUE(m.verified);
  EXPECT_EQ(m.source_rows, 2u);
  EXPECT_EQ(m.windows[0].rows, 2u);
  EXPECT_EQ(m.windows[0].sample_weight, 8);
  EXPECT_TRUE(m.windows[0].verified);
}

TEST_F(WindowSyncTest, AWindowFailingAfterDeliveringRowsIsReadAgainNotTheDay) {
  for (int i = 0; i < 12; ++i) add_row(3600 + i * 600, 1 + i);
  data.failures_after_rows = 1;
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(r.partitions[0].rows, 12u);
  EXPECT_EQ(r.partitions[0].sample_weight, 78);
  expect_requests(1, 1 + 3, 0);  // the first window twice, no second histogram
  EXPECT_EQ(data.fetched[0], data.fetched[1]);
  const Manifest m = manifest();
  EXPECT_EQ(m.rows, 12u);
  EXPECT_EQ(m.sample_weight, 78);
  EXPECT_TRUE(m.verified);
}

TEST_F(WindowSyncTest, AWindowFailingTwiceRestartsTheDayOnceThenFailsIt) {
  add_row(10, 1);
  ASSERT_EQ(run().partitions[0].status, PartitionStatus::Ok);
  const std::string data_before = *store.get(data_key());
  const std::string manifest_key = std::string("machine_metrics/") + kDay + "/_manifest.json";
  const std::string manifest_before = *store.get(manifest_key);

  data = FakeData{};
  add_row(10, 1);
  add_row(20, 1);
  data.failures_after_rows = 3;
  options.now_seconds = *options.now_seconds + 60;
  const SyncReport twice = run();
  EXPECT_EQ(twice.partitions[0].status, PartitionStatus::Ok);  // window, window, day restart, window ok
  expect_requests(2, 4, 0);
  EXPECT_EQ(manifest().rows, 2u);

  data.fetches = data.histograms = 0;
  data.failures_after_rows = 4;
  store.put(manifest_key, manifest_before);
  store.put(data_key(), data_before);
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  const PartitionOutcome& p = r.partitions[0];
  EXPECT_EQ(p.status, PartitionStatus::Failed);
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(p.rows, 0u);
  const Window w{start(), start() + 86400};
  EXPECT_EQ(p.error, "window " + w.describe() + ": connection reset");
  expect_requests(2, 4, 0);
  EXPECT_EQ(*store.get(data_key()), data_before);
  EXPECT_EQ(*store.get(manifest_key), manifest_before);
  EXPECT_EQ(dir.files(), 2u);  // no temporary file, no lease
}

// Windows are written on a thread of their own while the next one is read: a window that cannot
// be written (a value its table cannot map) fails the day with that error, at most one further
// window having been read meanwhile, and the previous export stays.
TEST_F(WindowSyncTest, AWindowThatCannotBeWrittenFailsTheDayAndLeavesThePreviousExport) {
  for (int i = 0; i < 12; ++i) add_row(3600 + i * 600, 1);
  ASSERT_EQ(run().partitions[0].status, PartitionStatus::Ok);
  const std::string data_before = *store.get(data_key());
  const std::string manifest_key = std::string("machine_metrics/") + kDay + "/_manifest.json";
  const std::string manifest_before = *store.get(manifest_key);

  TableConfig t = table("machine_metrics");
  ColumnSpec whole;
  whole.name = "whole";
  whole.from = *RawColumn::parse("double1");
  whole.type = ColumnType::Int64;
  t.shape.mapping.columns.push_back(whole);
  config.tables = {t};
  data.fetches = data.histograms = 0;
  options.now_seconds = *options.now_seconds + 60;
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_EQ(r.partitions[0].status, PartitionStatus::Failed);
  EXPECT_EQ(r.partitions[0].error, "line 1: column \"whole\" (int64 from double1): 1.500000 is not an integer");
  EXPECT_EQ(data.histograms, 1);
  EXPECT_GE(data.fetches, 1);
  EXPECT_LE(data.fetches, 2);  // the first window, and perhaps the second while the first was written
  EXPECT_EQ(*store.get(data_key()), data_before);
  EXPECT_EQ(*store.get(manifest_key), manifest_before);
  EXPECT_EQ(dir.files(), 2u);  // no temporary file, no lease
}

// Rows reach the file in window order, every window once, though each is written while the next
// is read.
TEST_F(WindowSyncTest, WindowsWrittenWhileTheNextIsReadKeepTheirOrder) {
  for (int i = 0; i < 40; ++i) add_row(3600 + i * 600, 1 + i);
  const SyncReport r = run();
  ASSERT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  expect_requests(1, 10, 0);
  const Manifest m = manifest();
  EXPECT_EQ(m.rows, 40u);
  EXPECT_EQ(m.sample_weight, 40 * 41 / 2);
  EXPECT_EQ(m.windows.size(), 10u);
  parquet::ParquetReader reader((dir.path / data_key()).string());
  std::vector<int64_t> timestamps, want;
  for (size_t g = 0; g < reader.metadata().row_groups.size(); ++g) {
    const RowBatch batch = reader.read_row_group(g);
    timestamps.insert(timestamps.end(), batch.columns[0].ints.begin(), batch.columns[0].ints.end());
  }
  for (int i = 0; i < 40; ++i) want.push_back((start() + 3600 + i * 600) * 1000);
  EXPECT_EQ(timestamps, want);
}

TEST_F(WindowSyncTest, AnEmptyDayCostsOneRequestAndRecordsRowsZeroWithoutADataObject) {
  add_row(10, 1);
  ASSERT_EQ(run().partitions[0].status, PartitionStatus::Ok);
  ASSERT_TRUE(store.head(data_key()));

  data = FakeData{};
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(r.partitions[0].rows, 0u);
  EXPECT_EQ(r.partitions[0].data_key, "");
  expect_requests(1, 0, 0);
  const Manifest m = manifest();
  EXPECT_EQ(m.rows, 0u);
  EXPECT_EQ(m.source_rows, 0u);
  EXPECT_EQ(m.data_key, "");
  EXPECT_TRUE(m.verified);
  EXPECT_EQ(window_offsets(), (Offsets{{0, 86400}}));
  EXPECT_FALSE(store.head(data_key()));
  EXPECT_EQ(dir.files(), 1u);
}

TEST_F(WindowSyncTest, WithoutVerifyNoWindowIsCheckedOrVerified) {
  config.source.verify = false;
  for (int i = 0; i < 20; ++i) add_row(600 + i, 3);
  data.histogram_divisor = 10;
  const SyncReport r = run();
  ASSERT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  expect_requests(1, 1, 0);
  const Manifest m = manifest();
  EXPECT_EQ(m.rows, 20u);
  EXPECT_FALSE(m.verified);
  EXPECT_FALSE(m.windows[0].verified);
}

TEST_F(WindowSyncTest, ADryRunShowsTheHistogramQueryPerDay) {
  options.dry_run = true;
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_EQ(r.partitions[0].status, PartitionStatus::Planned);
  expect_requests(0, 0, 0);
  const Window span{start(), start() + 86400};
  EXPECT_NE(plan_text.find("  histogram  HISTOGRAM " + span.describe() + "\n"), std::string::npos) << plan_text;
  EXPECT_NE(plan_text.find("windows planned from the histogram: up to 4 rows and 86400 s each"), std::string::npos)
      << plan_text;
}

TEST_F(WindowSyncTest, ADayWhoseLeaseALiveRunHoldsIsBusy) {
  add_row(10, 1);
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
  expect_requests(0, 0, 0);
  EXPECT_FALSE(store.head(data_key()));
  EXPECT_EQ(*store.get(lease_key), lease_to_json(theirs));
}

TEST_F(WindowSyncTest, OneReadFeedsEveryTableEachDayOfATableItsOwnPartition) {
  // A raw table, the resource rows alone, and an hourly rollup per metric type: one histogram
  // and one read for the three.
  config.tables = {table("raw"), table("res"), table("hourly")};
  config.tables[1].shape.where = {WhenCondition{*RawColumn::parse("blob4"), "resource"}};
  config.tables[2].shape.rollup = RollupSpec{3600, {"metric_type"}, {"value1"}};
  config.source.window_rows = 100;
  add_row(10, 1, "resource");
  add_row(20, 2, "startup");
  add_row(30, 4, "resource");
  add_row(3600 + 5, 8, "startup");
  const SyncReport r = run();
  expect_requests(1, 1, 0);
  ASSERT_EQ(r.partitions.size(), 3u);
  EXPECT_EQ(r.partitions[0].table, "raw");
  EXPECT_EQ(r.partitions[1].table, "res");
  EXPECT_EQ(r.partitions[2].table, "hourly");
  for (const PartitionOutcome& p : r.partitions) EXPECT_EQ(p.status, PartitionStatus::Ok) << p.table << p.error;
  EXPECT_EQ(r.partitions[0].rows, 4u);
  EXPECT_EQ(r.partitions[1].rows, 2u);
  EXPECT_EQ(r.partitions[2].rows, 3u);  // hour 0: resource, startup; hour 1: startup

  const Manifest raw = manifest_of("raw"), res = manifest_of("res"), hourly = manifest_of("hourly");
  EXPECT_EQ(raw.table, "raw");
  EXPECT_EQ(raw.rows, 4u);
  EXPECT_EQ(raw.sample_weight, 15);
  EXPECT_EQ(raw.source_rows, 4u);
  // A table with `where`: the rows it took (the source's counts are of the whole dataset).
  EXPECT_EQ(res.rows, 2u);
  EXPECT_EQ(res.sample_weight, 5);
  EXPECT_EQ(res.source_rows, 2u);
  // A rollup: its groups, the weight of the rows they stand for.
  EXPECT_EQ(hourly.rows, 3u);
  EXPECT_EQ(hourly.sample_weight, 15);
  EXPECT_EQ(hourly.source_rows, 4u);
  EXPECT_EQ(hourly.columns.size(), 8u);  // timestamp, metric_type, samples, weight, value1 x 4
  EXPECT_EQ(hourly.schema_fingerprint, config.tables[2].shape.fingerprint());
  // The read's windows and verdict in every manifest.
  for (const Manifest* m : {&raw, &res, &hourly}) {
    ASSERT_EQ(m->windows.size(), 1u);
    EXPECT_EQ(m->windows[0].rows, 4u);
    EXPECT_TRUE(m->verified);
  }
}

TEST_F(WindowSyncTest, ATableWhoseCommitFailsLeavesTheOtherTablesCommitted) {
  config.tables = {table("raw"), table("res")};
  config.source.window_rows = 100;
  add_row(10, 1);
  add_row(20, 2);
  // res's data object cannot be replaced: a folder stands where it goes.
  fs::create_directories(dir.path / "res" / kDay / "data.parquet" / "in-the-way");
  const SyncReport r = run();
  ASSERT_EQ(r.partitions.size(), 2u);
  EXPECT_EQ(r.partitions[0].table, "raw");
  EXPECT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(r.partitions[1].table, "res");
  EXPECT_EQ(r.partitions[1].status, PartitionStatus::Failed);
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(manifest_of("raw").rows, 2u);
  EXPECT_FALSE(store.head(std::string("res/") + kDay + "/_manifest.json"));
  EXPECT_FALSE(store.head(std::string("res/") + kDay + "/_lease.json"));
  expect_requests(1, 1, 0);
}

TEST_F(WindowSyncTest, ABackfillReExportsAVerifiedDayOnlyWhereItsSchemaIsOld) {
  config.tables = {table("a"), table("b")};
  config.source.window_rows = 100;
  options.force = false;
  add_row(10, 1);
  ASSERT_FALSE(run().failed());
  expect_requests(1, 1, 0);
  // Nothing changed: both tables skip the verified day, and nothing is read.
  SyncReport again = run();
  ASSERT_EQ(again.partitions.size(), 2u);
  EXPECT_EQ(again.partitions[0].status, PartitionStatus::Skipped);
  EXPECT_EQ(again.partitions[1].status, PartitionStatus::Skipped);
  expect_requests(1, 1, 0);
  // b gains a nullable column: its day is old and re-exported (one read), a's is skipped.
  ColumnSpec extra;
  extra.name = "process_cpu";
  extra.from = *RawColumn::parse("double3");
  extra.type = ColumnType::Double;
  extra.when = WhenCondition{*RawColumn::parse("blob4"), "process"};
  config.tables[1].shape.mapping.columns.push_back(extra);
  const SyncReport changed = run();
  ASSERT_EQ(changed.partitions.size(), 2u);
  EXPECT_EQ(changed.partitions[0].table, "a");
  EXPECT_EQ(changed.partitions[0].status, PartitionStatus::Skipped);
  EXPECT_EQ(changed.partitions[1].table, "b");
  EXPECT_EQ(changed.partitions[1].status, PartitionStatus::Ok);
  expect_requests(2, 2, 0);
  EXPECT_EQ(manifest_of("b").schema_fingerprint, config.tables[1].shape.fingerprint());
  EXPECT_EQ(manifest_of("b").columns.size(), 16u);
}
