#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "parquet/parquet_reader.h"
#include "storage/local_store.h"
#include "sync/convert.h"
#include "sync/file_sync.h"
#include "sync/lease.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/time.h"

using namespace aesync;
namespace fs = std::filesystem;

namespace {

std::string ae_line(const std::string& ts, const std::string& machine, const std::string& kind, double d1, int si) {
  std::ostringstream s;
  s << R"({"_sample_interval":)" << si << R"(,"blob1":"org_1","blob2":"proj_1","blob3":"2x","blob4":")" << kind
    << R"(","blob5":"","dataset":"machine_metrics","double1":)" << d1
    << R"(,"double2":2,"double3":3,"double4":4,"index1":")" << machine << R"(","timestamp":")" << ts << "\"}\n";
  return s.str();
}

class FileSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("aesync-sync-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    config = default_config();
    config.source.type = SourceType::File;
    config.source.path = (dir / "in.jsonl").string();
    config.destination.path = (dir / "out").string();
    config.output.row_group_rows = 2;
    // The fixture's days are fixed dates in 2026 and the runs use the clock: a retention of a
    // century keeps them in scope (RetentionSkipsOldDaysWithOneWarning is about retention).
    config.sync.retention_days = 36500;
  }
  void TearDown() override { fs::remove_all(dir); }

  void write_input(const std::string& text) { std::ofstream(dir / "in.jsonl", std::ios::binary) << text; }
  std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::vector<std::string> files() {
    std::vector<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(dir / "out"))
      if (e.is_regular_file()) out.push_back(e.path().lexically_relative(dir / "out").string());
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir;
  Config config;
};

const std::string kThreeDays = ae_line("2026-02-03 10:00:00", "m1", "resource", 95, 1) +
                               ae_line("2026-02-03 11:00:00", "m2", "startup", 31000, 10) +
                               ae_line("2026-02-03 12:00:00", "m1", "resource", 5, 1) +
                               ae_line("2026-02-04 00:00:00", "m1", "resource", 50, 100) +
                               ae_line("2026-02-05 23:59:59", "m3", "process", 1, 1);

}  // namespace

TEST_F(FileSyncTest, RetentionSkipsOldDaysWithOneWarning) {
  // At 2026-05-05T12:00Z with 90 days of retention prune keeps 2026-02-04 and later: the rows of
  // 2026-02-03 are never written (prune would delete them), the other days are.
  write_input(kThreeDays);
  config.sync.retention_days = 90;
  SyncOptions o;
  o.now_seconds = *parse_day("2026-05-05") * 86400 + 43200;
  LocalStore store(config.destination.path);
  std::ostringstream plan;
  testing::internal::CaptureStderr();
  SyncReport r = sync_file_source(config, o, store, plan);
  const std::string log = testing::internal::GetCapturedStderr();
  const std::string warning =
      "skipped 1 day(s) older than sync.retention_days = 90 (prune keeps 2026-02-04 and later): 2026-02-03 (3 rows); "
      "raise sync.retention_days to export them";
  ASSERT_EQ(r.partitions.size(), 2u);
  EXPECT_EQ(r.partitions[0].day, "2026-02-04");
  EXPECT_EQ(r.partitions[1].day, "2026-02-05");
  EXPECT_EQ(r.rows_read, 5u);
  EXPECT_EQ(r.rows_skipped, 3u);
  EXPECT_EQ(r.warnings, std::vector<std::string>{warning});
  EXPECT_NE(log.find(warning), std::string::npos) << log;
  EXPECT_EQ(files(), (std::vector<std::string>{
                         "machine_metrics/2026-02-04/_manifest.json", "machine_metrics/2026-02-04/data.parquet",
                         "machine_metrics/2026-02-05/_manifest.json", "machine_metrics/2026-02-05/data.parquet"}));
  // A dry run plans the same days and says the same.
  fs::remove_all(dir / "out");
  o.dry_run = true;
  testing::internal::CaptureStderr();
  r = sync_file_source(config, o, store, plan);
  testing::internal::GetCapturedStderr();
  ASSERT_EQ(r.partitions.size(), 2u);
  EXPECT_EQ(r.partitions[0].day, "2026-02-04");
  EXPECT_EQ(r.warnings, std::vector<std::string>{warning});
}

TEST_F(FileSyncTest, RoutesRowsToDaysWithManifests) {
  write_input(kThreeDays);
  LocalStore store(config.destination.path);
  std::ostringstream plan;
  SyncReport r = sync_file_source(config, SyncOptions{}, store, plan);
  ASSERT_EQ(r.partitions.size(), 3u);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.partitions[0].day, "2026-02-03");
  EXPECT_EQ(r.partitions[0].rows, 3u);
  EXPECT_EQ(r.partitions[0].sample_weight, 12);
  EXPECT_EQ(r.partitions[1].rows, 1u);
  EXPECT_EQ(r.partitions[1].sample_weight, 100);
  EXPECT_EQ(files(), (std::vector<std::string>{
                         "machine_metrics/2026-02-03/_manifest.json", "machine_metrics/2026-02-03/data.parquet",
                         "machine_metrics/2026-02-04/_manifest.json", "machine_metrics/2026-02-04/data.parquet",
                         "machine_metrics/2026-02-05/_manifest.json", "machine_metrics/2026-02-05/data.parquet"}));

  const fs::path data = dir / "out/machine_metrics/2026-02-03/data.parquet";
  parquet::ParquetReader reader(data.string());
  EXPECT_EQ(reader.metadata().num_rows, 3);
  EXPECT_EQ(reader.metadata().row_groups.size(), 2u);  // row_group_rows = 2
  RowBatch rg0 = reader.read_row_group(0);
  EXPECT_EQ(rg0.columns[0].ints, (std::vector<int64_t>{1770112800000, 1770116400000}));
  EXPECT_EQ(rg0.columns[1].string_at(1), "m2");

  const std::string manifest = read(dir / "out/machine_metrics/2026-02-03/_manifest.json");
  EXPECT_NE(manifest.find("\"rows\": 3,"), std::string::npos);
  EXPECT_NE(manifest.find("\"sample_weight\": 12,"), std::string::npos);
  EXPECT_NE(manifest.find("\"bytes\": " + std::to_string(fs::file_size(data)) + ","), std::string::npos);
  EXPECT_NE(manifest.find("\"sha256\": \"" + Sha256::hex(read(data)) + "\""), std::string::npos);
  EXPECT_NE(manifest.find("\"verified\": false"), std::string::npos);
}

TEST_F(FileSyncTest, DatesAndShardNarrowThePlan) {
  write_input(kThreeDays);
  LocalStore store(config.destination.path);
  std::ostringstream plan;
  SyncOptions o;
  o.from_day = parse_day("2026-02-04");
  SyncReport r = sync_file_source(config, o, store, plan);
  ASSERT_EQ(r.partitions.size(), 2u);
  EXPECT_EQ(r.rows_skipped, 3u);
  SyncOptions shard;
  shard.shard_index = static_cast<int>(*parse_day("2026-02-05") % 2);
  shard.shard_count = 2;
  r = sync_file_source(config, shard, store, plan);
  // 2026-02-03 and 2026-02-05 are two days apart: the same shard of two.
  ASSERT_EQ(r.partitions.size(), 2u);
  EXPECT_EQ(r.partitions[0].day, "2026-02-03");
  EXPECT_EQ(r.partitions[1].day, "2026-02-05");
}

TEST_F(FileSyncTest, DryRunWritesNothing) {
  write_input(kThreeDays);
  LocalStore store(config.destination.path);
  std::ostringstream plan;
  SyncOptions o;
  o.dry_run = true;
  SyncReport r = sync_file_source(config, o, store, plan);
  ASSERT_EQ(r.partitions.size(), 3u);
  EXPECT_EQ(r.partitions[0].status, PartitionStatus::Planned);
  EXPECT_FALSE(fs::exists(dir / "out"));
  EXPECT_NE(plan.str().find("2026-02-04  rows 1  write "), std::string::npos) << plan.str();
}

TEST_F(FileSyncTest, BadLineLeavesThePreviousExportUntouched) {
  write_input(kThreeDays);
  LocalStore store(config.destination.path);
  std::ostringstream plan;
  sync_file_source(config, SyncOptions{}, store, plan);
  const std::string before = read(dir / "out/machine_metrics/2026-02-03/data.parquet");
  const std::string manifest_before = read(dir / "out/machine_metrics/2026-02-03/_manifest.json");
  const auto files_before = files();

  write_input(ae_line("2026-02-03 09:00:00", "m9", "resource", 1, 1) + kThreeDays +
              R"({"_sample_interval":1,"double1":"abc"})" + "\n");
  try {
    sync_file_source(config, SyncOptions{}, store, plan);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, 8), "line 7: ");
  }
  EXPECT_EQ(read(dir / "out/machine_metrics/2026-02-03/data.parquet"), before);
  EXPECT_EQ(read(dir / "out/machine_metrics/2026-02-03/_manifest.json"), manifest_before);
  EXPECT_EQ(files(), files_before);  // and no temporary file is left
}

TEST_F(FileSyncTest, SameInputTwiceGivesIdenticalFiles) {
  write_input(kThreeDays);
  LocalStore store(config.destination.path);
  std::ostringstream plan;
  sync_file_source(config, SyncOptions{}, store, plan);
  const std::string first = read(dir / "out/machine_metrics/2026-02-04/data.parquet");
  sync_file_source(config, SyncOptions{}, store, plan);
  EXPECT_EQ(read(dir / "out/machine_metrics/2026-02-04/data.parquet"), first);
}

TEST_F(FileSyncTest, InterleavedDaysKeepEveryRow) {
  // Days alternate row by row: the memory budget forces early row groups, never lost rows.
  std::string text;
  for (int i = 0; i < 50; ++i)
    text += ae_line(i % 2 ? "2026-02-03 10:00:00" : "2026-02-04 10:00:00", "m" + std::to_string(i), "resource", i, 1);
  write_input(text);
  LocalStore store(config.destination.path);
  std::ostringstream plan;
  SyncReport r = sync_file_source(config, SyncOptions{}, store, plan);
  ASSERT_EQ(r.partitions.size(), 2u);
  for (const char* day : {"2026-02-03", "2026-02-04"}) {
    parquet::ParquetReader reader((dir / "out/machine_metrics" / day / "data.parquet").string());
    EXPECT_EQ(reader.metadata().num_rows, 25);
  }
}

TEST_F(FileSyncTest, ConvertWritesCsvAndLeavesNoFileOnError) {
  write_input(kThreeDays);
  config.output.format = OutputFormat::Csv;
  config.output.compression = Compression::None;
  const std::string out = (dir / "o.csv").string();
  ConvertResult r = convert_file(config, config.source.path, out);
  EXPECT_EQ(r.rows, 5u);
  const std::string csv = read(out);
  EXPECT_EQ(
      csv.substr(0, csv.find('\n')),
      "timestamp,machine_id,org_id,project_id,machine_type,metric_type,process_name,sample_interval,value1,value2,"
      "value3,value4,cpu_percent,memory_percent,time_to_ready_ms");
  EXPECT_NE(csv.find("\n2026-02-03 11:00:00.000,m2,org_1,proj_1,2x,startup,,10,31000,2,3,4,,,31000\n"),
            std::string::npos);

  write_input(kThreeDays + "not json\n");
  const std::string out2 = (dir / "o2.parquet").string();
  EXPECT_THROW(convert_file(config, config.source.path, out2), InputError);
  EXPECT_FALSE(fs::exists(out2));
  for (auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos);
}

TEST_F(FileSyncTest, ARerunRemovesTheTemporaryFilesOfAKilledRun) {
  write_input(kThreeDays);
  // What a run killed while writing 2026-02-03 and 2026-02-05 leaves: temporary files that
  // never got renamed.
  fs::create_directories(dir / "out/machine_metrics/2026-02-03");
  fs::create_directories(dir / "out/machine_metrics/2026-02-05");
  std::ofstream(dir / "out/machine_metrics/2026-02-03/.data.parquet.tmp-22569-0") << "partial";
  std::ofstream(dir / "out/machine_metrics/2026-02-05/._manifest.json.tmp-22569-1") << "partial";
  LocalStore store(config.destination.path);
  std::ostringstream plan;
  SyncReport r = sync_file_source(config, SyncOptions{}, store, plan);
  ASSERT_EQ(r.partitions.size(), 3u);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(files(), (std::vector<std::string>{
                         "machine_metrics/2026-02-03/_manifest.json", "machine_metrics/2026-02-03/data.parquet",
                         "machine_metrics/2026-02-04/_manifest.json", "machine_metrics/2026-02-04/data.parquet",
                         "machine_metrics/2026-02-05/_manifest.json", "machine_metrics/2026-02-05/data.parquet"}));
}

TEST_F(FileSyncTest, ADayAnotherLiveRunHoldsIsBusyAndTheOthersAreExported) {
  write_input(kThreeDays);
  LocalStore store(config.destination.path);
  const int64_t now = now_seconds();
  const LeaseInfo theirs{"elsewhere/42/00c0ffee", "elsewhere", 42, now, now + 600};
  store.put("machine_metrics/2026-02-04/_lease.json", lease_to_json(theirs));
  std::ostringstream plan;
  SyncReport r = sync_file_source(config, SyncOptions{}, store, plan);
  ASSERT_EQ(r.partitions.size(), 3u);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.partitions[0].status, PartitionStatus::Ok);
  EXPECT_EQ(r.partitions[1].status, PartitionStatus::Busy);
  EXPECT_EQ(r.partitions[1].rows, 0u);
  EXPECT_EQ(r.partitions[1].error, "another aesync run is exporting this day: elsewhere/42/00c0ffee (until " +
                                       format_rfc3339(now + 600) + ")");
  EXPECT_EQ(r.partitions[2].status, PartitionStatus::Ok);
  EXPECT_EQ(files(), (std::vector<std::string>{
                         "machine_metrics/2026-02-03/_manifest.json", "machine_metrics/2026-02-03/data.parquet",
                         "machine_metrics/2026-02-04/_lease.json", "machine_metrics/2026-02-05/_manifest.json",
                         "machine_metrics/2026-02-05/data.parquet"}));
}
