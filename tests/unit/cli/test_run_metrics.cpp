// `--metrics-addr` parsing and `--metrics-file` (cli/run_metrics.h): the file a one-shot command
// writes at its end, also when it fails, with aesync_build_info and the last success carried.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "../support/temp_dir.h"
#include "cli/run_metrics.h"
#include "util/error.h"
#include "util/metrics.h"
#include "util/time.h"
#include "util/version.h"

namespace aesync::cli {
namespace {

using test::TempDir;

std::string read(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(MetricsAddr, HostPortIpv6AndAnEmptyHostForEveryInterface) {
  EXPECT_EQ(parse_metrics_addr("127.0.0.1:9464"), (std::pair<std::string, int>{"127.0.0.1", 9464}));
  EXPECT_EQ(parse_metrics_addr("[::1]:9100"), (std::pair<std::string, int>{"::1", 9100}));
  EXPECT_EQ(parse_metrics_addr(":9464"), (std::pair<std::string, int>{"0.0.0.0", 9464}));
  for (const char* bad : {"9464", ":", "host:", "[]:9464", ":0", ":65536", ":94a4", "host:-1"}) {
    try {
      parse_metrics_addr(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()), std::string("--metrics-addr: \"") + bad + "\" is not HOST:PORT (or :PORT)");
    }
  }
}

PartitionOutcome outcome(const char* day, PartitionStatus status, uint64_t rows, uint64_t bytes) {
  PartitionOutcome p;
  p.day = day;
  p.table = "t";
  p.status = status;
  p.rows = rows;
  p.bytes = bytes;
  p.seconds = 2.5;
  return p;
}

// One test, in order: the registry is the process's, so its counters add up across the runs.
TEST(MetricsFile, WrittenAfterEachRunFailedOnesIncludedKeepingTheLastSuccess) {
  TempDir dir;
  const std::string path = (dir.path / "aesync.prom").string();
  // Without a file, the command just runs and nothing is written.
  EXPECT_EQ(with_metrics_file("", [] { return 3; }), 3);
  EXPECT_FALSE(std::filesystem::exists(path));

  // A previous run's file: its last success is carried into a failed run.
  std::ofstream(path) << "aesync_last_success_timestamp_seconds 1700000000\n";
  EXPECT_EQ(with_metrics_file(path,
                              [] {
                                SyncReport report;
                                report.partitions.push_back(outcome("2026-05-13", PartitionStatus::Ok, 10, 1234));
                                report.partitions.push_back(outcome("2026-05-14", PartitionStatus::Failed, 0, 0));
                                report.partitions.push_back(outcome("2026-05-15", PartitionStatus::Skipped, 7, 70));
                                record_sync_report(report);
                                return 1;
                              }),
            1);
  std::string text = read(path);
  EXPECT_EQ(metrics::sample_value(text, "aesync_runs_total"), 1.0);
  EXPECT_EQ(metrics::sample_value(text, "aesync_runs_failed_total"), 1.0);
  EXPECT_EQ(metrics::sample_value(text, "aesync_rows_exported_total"), 10.0);
  EXPECT_EQ(metrics::sample_value(text, "aesync_uploaded_bytes_total"), 1234.0);
  EXPECT_EQ(metrics::sample_value(text, "aesync_partitions_failed_total"), 1.0);
  EXPECT_EQ(metrics::sample_value(text, "aesync_partition_duration_seconds_count"), 2.0);
  EXPECT_EQ(metrics::sample_value(text, "aesync_last_success_timestamp_seconds"), 1700000000.0);
  EXPECT_NE(text.find("# TYPE aesync_build_info gauge\naesync_build_info{version=\"" + std::string(version()) +
                      "\",revision=\"" + build_rev() + "\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("aesync_bytes_uploaded_total"), std::string::npos) << "the old name is gone";

  // A command that throws: the file is still written, the exception goes on.
  EXPECT_THROW(with_metrics_file(path, []() -> int { throw Error("boom"); }), Error);
  text = read(path);
  EXPECT_EQ(metrics::sample_value(text, "aesync_runs_total"), 2.0);
  EXPECT_EQ(metrics::sample_value(text, "aesync_runs_failed_total"), 2.0);
  EXPECT_EQ(metrics::sample_value(text, "aesync_last_success_timestamp_seconds"), 1700000000.0);

  // A success sets the time to now.
  const int64_t before = now_seconds();
  EXPECT_EQ(with_metrics_file(path, [] { return 0; }), 0);
  text = read(path);
  EXPECT_EQ(metrics::sample_value(text, "aesync_runs_total"), 3.0);
  EXPECT_EQ(metrics::sample_value(text, "aesync_runs_failed_total"), 2.0);
  const double last = *metrics::sample_value(text, "aesync_last_success_timestamp_seconds");
  EXPECT_GE(last, static_cast<double>(before));
  EXPECT_LE(last, static_cast<double>(now_seconds()));

  // A file that cannot be written fails a run that succeeded, naming the path.
  const std::string bad = (dir.path / "no" / "aesync.prom").string();
  try {
    with_metrics_file(bad, [] { return 0; });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--metrics-file " + bad + ": cannot create ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace aesync::cli
