// The end-of-run summary: a skipped day shows its manifest's rows but does not count in the
// totals; `sync --json` prints the same report as one JSON object.
#include "sync/report.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace aesync;

namespace {

SyncReport two_days() {
  SyncReport r;
  PartitionOutcome ok;
  ok.day = "2026-02-04";
  ok.table = "machine_metrics";
  ok.rows = 1043;
  ok.sample_weight = 1043;
  ok.bytes = 52000;
  ok.seconds = 0.25;
  ok.data_key = "machine_metrics/2026-02-04/data.parquet";
  r.partitions.push_back(ok);
  PartitionOutcome skipped;
  skipped.day = "2026-02-03";
  skipped.table = "machine_metrics";
  skipped.status = PartitionStatus::Skipped;
  skipped.rows = 978;
  skipped.error = "already exported and verified; --force re-exports it";
  r.partitions.push_back(skipped);
  r.rows_read = 2021;
  r.warnings.push_back("table \"t\": a \"quoted\" warning");
  return r;
}

}  // namespace

TEST(Report, ASkippedDayShowsItsRowsButTheTotalsCountOnlyWhatWasWritten) {
  std::ostringstream out;
  print_summary(two_days(), out);
  EXPECT_EQ(out.str(),
            "day                  rows          bytes   seconds  status\n"
            "2026-02-04           1043          52000      0.25  ok\n"
            "2026-02-03            978              0      0.00  skipped\n"
            "  2026-02-03: already exported and verified; --force re-exports it\n"
            "total                1043          52000\n"
            "warning: table \"t\": a \"quoted\" warning\n");
}

TEST(Report, JsonSummaryIsOneObject) {
  std::ostringstream out;
  print_summary_json(two_days(), out);
  EXPECT_EQ(
      out.str(),
      "{\"partitions\": [{\"day\": \"2026-02-04\", \"table\": \"machine_metrics\", \"status\": \"ok\", \"rows\": "
      "1043, \"sample_weight\": 1043, \"bytes\": 52000, \"seconds\": 0.25, \"data_key\": "
      "\"machine_metrics/2026-02-04/data.parquet\", \"error\": null, \"warning\": null, \"read_sampled\": false}, "
      "{\"day\": \"2026-02-03\", \"table\": \"machine_metrics\", \"status\": \"skipped\", \"rows\": 978, "
      "\"sample_weight\": 0, \"bytes\": 0, \"seconds\": 0, \"data_key\": null, \"error\": \"already exported and "
      "verified; --force re-exports it\", \"warning\": null, \"read_sampled\": false}], \"totals\": "
      "{\"partitions\": 2, \"rows\": 1043, \"bytes\": 52000, \"ok\": 1, \"busy\": 0, \"skipped\": 1, \"failed\": 0, "
      "\"planned\": 0, \"cancelled\": 0, \"rows_read\": 2021, \"rows_skipped\": 0, \"invalid_utf8_replaced\": 0}, \"warnings\": "
      "[\"table \\\"t\\\": a \\\"quoted\\\" warning\"], \"failed\": false}\n");
  SyncReport failed = two_days();
  failed.partitions[0].status = PartitionStatus::Failed;
  std::ostringstream out2;
  print_summary_json(failed, out2);
  EXPECT_NE(out2.str().find("\"failed\": 1, \"planned\": 0"), std::string::npos) << out2.str();
  EXPECT_EQ(out2.str().substr(out2.str().size() - 16), "\"failed\": true}\n");
}
