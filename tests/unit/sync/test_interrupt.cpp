#include "sync/interrupt.h"

#include <gtest/gtest.h>

#include <sstream>

namespace aesync {
namespace {

PartitionOutcome outcome(const std::string& day, PartitionStatus status, const std::string& table = "events") {
  PartitionOutcome o;
  o.day = day;
  o.table = table;
  o.status = status;
  return o;
}

TEST(Interrupted, NamesCommittedAndNotCommittedDaysAsRanges) {
  SyncReport r;
  for (const char* d : {"2026-02-01", "2026-02-02", "2026-02-03", "2026-02-05"})
    r.partitions.push_back(outcome(d, PartitionStatus::Ok));
  r.partitions.push_back(outcome("2026-02-06", PartitionStatus::Cancelled));
  r.partitions.push_back(outcome("2026-02-07", PartitionStatus::Cancelled));
  r.partitions.push_back(outcome("2026-02-04", PartitionStatus::Skipped));  // untouched: not named
  EXPECT_EQ(interrupted_line(r),
            "interrupted: committed 2026-02-01..2026-02-03, 2026-02-05; not committed: 2026-02-06..2026-02-07");
}

TEST(Interrupted, NothingEitherWay) {
  SyncReport r;
  EXPECT_EQ(interrupted_line(r), "interrupted: committed none; not committed: none");
  r.partitions.push_back(outcome("2026-02-01", PartitionStatus::Cancelled));
  r.partitions.push_back(outcome("2026-02-02", PartitionStatus::Failed));
  r.partitions.push_back(outcome("2026-02-03", PartitionStatus::Busy));
  EXPECT_EQ(interrupted_line(r), "interrupted: committed none; not committed: 2026-02-01..2026-02-03");
}

TEST(Interrupted, SeveralTablesNameTheirDays) {
  SyncReport r;
  r.partitions.push_back(outcome("2026-02-01", PartitionStatus::Ok, "events"));
  r.partitions.push_back(outcome("2026-02-01", PartitionStatus::Ok, "rollup"));
  r.partitions.push_back(outcome("2026-02-02", PartitionStatus::Ok, "events"));
  r.partitions.push_back(outcome("2026-02-02", PartitionStatus::Cancelled, "rollup"));
  EXPECT_EQ(
      interrupted_line(r),
      "interrupted: committed events/2026-02-01..2026-02-02, rollup/2026-02-01; not committed: rollup/2026-02-02");
}

TEST(Interrupted, ReportWritesOneLineAndReturns130) {
  SyncReport r;
  r.partitions.push_back(outcome("2026-02-01", PartitionStatus::Ok));
  std::ostringstream err;
  EXPECT_EQ(report_interrupted(r, err), 130);
  EXPECT_EQ(err.str(), "aesync: interrupted: committed 2026-02-01; not committed: none\n");
}

TEST(Interrupted, CancelledIsNotAFailure) {
  SyncReport r;
  r.partitions.push_back(outcome("2026-02-01", PartitionStatus::Cancelled));
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(to_string(PartitionStatus::Cancelled), "cancelled");
}

}  // namespace
}  // namespace aesync
