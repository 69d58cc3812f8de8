#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sync/planner.h"
#include "util/error.h"
#include "util/time.h"

using namespace aesync;

namespace {

int64_t day(const char* s) { return *parse_day(s); }

// 2026-02-05T12:34:56Z
constexpr int64_t kNow = 1770294896;
constexpr int64_t kToday = 20489;  // 2026-02-05

PlanRequest scheduled(int lookback = 1) {
  PlanRequest r;
  r.now_seconds = kNow;
  r.lookback_days = lookback;
  return r;
}

PlanRequest backfill(const char* from, const char* to) {
  PlanRequest r;
  r.now_seconds = kNow;
  r.from_day = day(from);
  r.to_day = day(to);
  return r;
}

void add_exports(PlanRequest& r, const char* from, const char* to, bool verified = true) {
  for (int64_t d = day(from); d <= day(to); ++d) r.exported.push_back({d, verified, 10});
}

// "2026-02-04 lookback" per planned day ("... skip" when skipped).
std::vector<std::string> summary(const std::vector<PlannedDay>& plan) {
  std::vector<std::string> out;
  for (const PlannedDay& p : plan) out.push_back(format_day(p.day) + " " + p.reason + (p.skip ? " [skip]" : ""));
  return out;
}

using Strings = std::vector<std::string>;

std::string usage_error(const PlanRequest& r) {
  try {
    plan_days(r);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Planner, ConstantsAgree) {
  EXPECT_EQ(kToday, day("2026-02-05"));
  EXPECT_EQ(format_rfc3339(kNow), "2026-02-05T12:34:56Z");
}

TEST(Planner, ScheduledWithoutExportsIsTodayAndLookback) {
  EXPECT_EQ(summary(plan_days(scheduled(1))), (Strings{"2026-02-04 lookback", "2026-02-05 today"}));
  EXPECT_EQ(summary(plan_days(scheduled(3))),
            (Strings{"2026-02-02 lookback", "2026-02-03 lookback", "2026-02-04 lookback", "2026-02-05 today"}));
}

TEST(Planner, ScheduledLookbackZeroIsToday) {
  EXPECT_EQ(summary(plan_days(scheduled(0))), (Strings{"2026-02-05 today"}));
  PlanRequest r = scheduled(0);
  add_exports(r, "2026-02-01", "2026-02-04");
  EXPECT_EQ(summary(plan_days(r)), (Strings{"2026-02-05 today"}));
  r = scheduled(0);
  add_exports(r, "2026-02-01", "2026-02-03");
  EXPECT_EQ(summary(plan_days(r)), (Strings{"2026-02-04 catch-up", "2026-02-05 today"}));
}

TEST(Planner, ScheduledCatchesUpAfterDowntime) {
  // Down for three days: the last export was 2026-02-01 (verified and not).
  PlanRequest r = scheduled(1);
  add_exports(r, "2026-01-20", "2026-01-31");
  add_exports(r, "2026-02-01", "2026-02-01", false);
  EXPECT_EQ(summary(plan_days(r)),
            (Strings{"2026-02-02 catch-up", "2026-02-03 catch-up", "2026-02-04 lookback", "2026-02-05 today"}));
}

TEST(Planner, ScheduledReexportsVerifiedLookbackDays) {
  PlanRequest r = scheduled(1);
  add_exports(r, "2026-01-01", "2026-02-05");
  const auto plan = plan_days(r);
  EXPECT_EQ(summary(plan), (Strings{"2026-02-04 lookback", "2026-02-05 today"}));
}

TEST(Planner, ScheduledNeverOlderThanFirstExport) {
  PlanRequest r = scheduled(3);
  add_exports(r, "2026-02-04", "2026-02-04");
  EXPECT_EQ(summary(plan_days(r)), (Strings{"2026-02-04 lookback", "2026-02-05 today"}));
  // An export order that is not sorted changes nothing.
  r = scheduled(3);
  r.exported = {{day("2026-02-04"), true, 1}, {day("2026-02-03"), true, 1}};
  EXPECT_EQ(summary(plan_days(r)), (Strings{"2026-02-03 lookback", "2026-02-04 lookback", "2026-02-05 today"}));
}

TEST(Planner, ScheduledStaysWithinRetention) {
  // Newest export long ago: catch-up starts at the oldest day still held (today - 3).
  PlanRequest r = scheduled(1);
  r.retention_days = 3;
  add_exports(r, "2026-01-01", "2026-01-01");
  EXPECT_EQ(summary(plan_days(r)),
            (Strings{"2026-02-02 catch-up", "2026-02-03 catch-up", "2026-02-04 lookback", "2026-02-05 today"}));
  // A lookback reaching past retention is cut too.
  r = scheduled(10);
  r.retention_days = 2;
  EXPECT_EQ(summary(plan_days(r)), (Strings{"2026-02-03 lookback", "2026-02-04 lookback", "2026-02-05 today"}));
}

TEST(Planner, ExportsInTheFutureAddNoDays) {
  PlanRequest r = scheduled(1);
  add_exports(r, "2026-02-01", "2026-02-07");
  EXPECT_EQ(summary(plan_days(r)), (Strings{"2026-02-04 lookback", "2026-02-05 today"}));
}

TEST(Planner, TodayWithinSettleIsLeftOut) {
  PlanRequest r = scheduled(1);
  r.now_seconds = kToday * 86400 + 180;  // 00:03, settle 5m
  const auto plan = plan_days(r);
  ASSERT_EQ(summary(plan), (Strings{"2026-02-04 lookback"}));
  // Yesterday's span stops at now - settle, 23:58.
  EXPECT_EQ(plan[0].span, (Window{kToday * 86400 - 86400, kToday * 86400 - 120}));

  r.now_seconds = kToday * 86400 + 300;  // exactly now - settle = midnight: still nothing of today
  EXPECT_EQ(summary(plan_days(r)), (Strings{"2026-02-04 lookback"}));
  r.now_seconds = kToday * 86400 + 301;
  const auto later = plan_days(r);
  ASSERT_EQ(summary(later), (Strings{"2026-02-04 lookback", "2026-02-05 today"}));
  EXPECT_EQ(later[1].span, (Window{kToday * 86400, kToday * 86400 + 1}));
}

TEST(Planner, DaySpanTodayEndsAtNowMinusSettle) {
  const int64_t s = kToday * 86400;
  EXPECT_EQ(day_span(kToday - 1, kNow, 300), (Window{s - 86400, s}));
  const Window today = day_span(kToday, kNow, 300);
  EXPECT_EQ(today, (Window{s, s + 44996}));
  EXPECT_EQ(format_rfc3339(today.end), "2026-02-05T12:29:56Z");
  // Tomorrow has nothing yet: an empty span.
  const Window tomorrow = day_span(kToday + 1, kNow, 300);
  EXPECT_EQ(tomorrow.start, tomorrow.end);
}

namespace {
constexpr int64_t kB = 300;
std::vector<HistogramBucket> buckets_at(int64_t base, std::initializer_list<std::pair<int, uint64_t>> at) {
  std::vector<HistogramBucket> out;
  for (auto [i, rows] : at) out.push_back({base + i * kB, rows, static_cast<int64_t>(rows) * 10});
  return out;
}
}  // namespace

TEST(Planner, AnEmptyDayOrOneUnderTheBudgetIsOneWindow) {
  const int64_t s = day("2026-02-04") * 86400;
  const Window span{s, s + 86400};
  EXPECT_EQ(plan_windows(span, {}, kB, 1000, 86400), (std::vector<Window>{span}));
  EXPECT_EQ(plan_windows(span, buckets_at(s, {{0, 400}, {100, 600}}), kB, 1000, 86400), (std::vector<Window>{span}));
}

TEST(Planner, WindowsAreCutByRowsOnBucketBoundariesContiguously) {
  const int64_t s = day("2026-02-04") * 86400;
  const Window span{s, s + 86400};
  // Buckets 0, 1, 2 hold 400 rows each, bucket 10 holds 900, bucket 11 holds 2500 (over the budget alone).
  const auto buckets = buckets_at(s, {{0, 400}, {1, 400}, {2, 400}, {10, 900}, {11, 2500}});
  EXPECT_EQ(plan_windows(span, buckets, kB, 1000, 86400),
            (std::vector<Window>{{s, s + 2 * kB},             // 800 rows; the third bucket would make 1200
                                 {s + 2 * kB, s + 10 * kB},   // 400 rows and the empty buckets after them
                                 {s + 10 * kB, s + 11 * kB},  // 900
                                 {s + 11 * kB, s + 12 * kB},  // one bucket at least, even over the budget
                                 {s + 12 * kB, s + 86400}}));
}

TEST(Planner, WindowsAreNoLongerThanTheWindowAndEndAtTheSpan) {
  const int64_t s = day("2026-02-04") * 86400;
  EXPECT_EQ(
      plan_windows({s, s + 86400}, {}, kB, 1000, 6 * 3600),
      (std::vector<Window>{{s, s + 21600}, {s + 21600, s + 43200}, {s + 43200, s + 64800}, {s + 64800, s + 86400}}));
  // 7 min is not a multiple of a bucket: a window takes the buckets that fit, at least one
  // (a `window` under one bucket still gives windows of one bucket).
  EXPECT_EQ(plan_windows({s, s + 1200}, {}, kB, 1000, 420),
            (std::vector<Window>{{s, s + 300}, {s + 300, s + 600}, {s + 600, s + 900}, {s + 900, s + 1200}}));
  EXPECT_EQ(plan_windows({s, s + 900}, {}, kB, 1000, 60),
            (std::vector<Window>{{s, s + 300}, {s + 300, s + 600}, {s + 600, s + 900}}));
  // Today: the span ends inside a bucket, and so does the last window.
  EXPECT_EQ(plan_windows({s, s + 44996}, buckets_at(s, {{149, 5}}), kB, 1000, 86400),
            (std::vector<Window>{{s, s + 44996}}));
  EXPECT_EQ(plan_windows({s, s + 700}, buckets_at(s, {{0, 800}, {1, 800}, {2, 1}}), kB, 1000, 86400),
            (std::vector<Window>{{s, s + 300}, {s + 300, s + 700}}));
  EXPECT_THROW(plan_windows({s, s + 700}, {}, kB, 0, 86400), UsageError);
}

TEST(Planner, HistogramCountsSumTheBucketsInsideAWindow) {
  const int64_t s = day("2026-02-04") * 86400;
  const auto buckets = buckets_at(s, {{0, 1}, {1, 2}, {5, 4}});
  EXPECT_EQ(histogram_counts(buckets, {s, s + 86400}).rows, 7u);
  EXPECT_EQ(histogram_counts(buckets, {s + 300, s + 1500}).rows, 2u);
  EXPECT_EQ(histogram_counts(buckets, {s + 300, s + 1500}).sample_weight, 20);
  EXPECT_EQ(histogram_counts(buckets, {s + 600, s + 1500}).rows, 0u);
}

TEST(Planner, SplitAtTheBucketBoundaryNearestTheMiddle) {
  const int64_t s = day("2026-02-04") * 86400;
  EXPECT_EQ(split_window({s, s + 86400}, kB), std::make_pair(Window{s, s + 43200}, Window{s + 43200, s + 86400}));
  EXPECT_EQ(split_window({s, s + 900}, kB), std::make_pair(Window{s, s + 300}, Window{s + 300, s + 900}));
  EXPECT_EQ(split_window({s, s + 44996}, kB), std::make_pair(Window{s, s + 22500}, Window{s + 22500, s + 44996}));
  EXPECT_EQ(split_window({s, s + 400}, kB), std::make_pair(Window{s, s + 300}, Window{s + 300, s + 400}));
  EXPECT_EQ(split_window({s, s + 300}, kB), std::nullopt);
  EXPECT_EQ(split_window({s + 600, s + 700}, kB), std::nullopt);
}

TEST(Planner, BackfillSkipsVerifiedDaysUnlessForced) {
  PlanRequest r = backfill("2026-02-01", "2026-02-03");
  add_exports(r, "2026-02-02", "2026-02-02", true);
  add_exports(r, "2026-02-03", "2026-02-03", false);
  const auto plan = plan_days(r);
  EXPECT_EQ(summary(plan),
            (Strings{"2026-02-01 backfill", "2026-02-02 already exported and verified; --force re-exports it [skip]",
                     "2026-02-03 backfill"}));
  EXPECT_EQ(plan[1].span, (Window{day("2026-02-02") * 86400, day("2026-02-03") * 86400}));  // a dry run shows it
  // The summary shows a skipped day's rows: those its manifest holds (add_exports: 10).
  EXPECT_EQ(plan[1].rows, 10u);
  EXPECT_EQ(plan[0].rows, 0u);
  EXPECT_EQ(plan[2].rows, 0u);
  r.force = true;
  EXPECT_EQ(summary(plan_days(r)), (Strings{"2026-02-01 backfill", "2026-02-02 backfill", "2026-02-03 backfill"}));
}

TEST(Planner, BackfillNeverSkipsToday) {
  PlanRequest r = backfill("2026-02-05", "2026-02-05");  // --date today
  add_exports(r, "2026-02-05", "2026-02-05", true);
  const auto plan = plan_days(r);
  ASSERT_EQ(summary(plan), (Strings{"2026-02-05 backfill"}));
  EXPECT_EQ(plan[0].span.end, kNow - 300);
}

TEST(Planner, BackfillFromOlderThanRetentionIsRefused) {
  PlanRequest r;
  r.now_seconds = day("2026-01-03") * 86400 + 3600;
  r.retention_days = 90;
  r.from_day = day("2025-10-01");
  r.to_day = day("2025-10-10");
  EXPECT_EQ(usage_error(r),
            "--from 2025-10-01 is older than retention_days = 90 (the oldest day AE still holds is 2025-10-05)");
  r.from_day = day("2025-10-05");
  const auto plan = plan_days(r);
  ASSERT_EQ(plan.size(), 6u);
  EXPECT_EQ(format_day(plan.front().day), "2025-10-05");
}

TEST(Planner, OldestKeptDayIsTodayMinusRetention) {
  EXPECT_EQ(oldest_kept_day(kNow, 90), kToday - 90);
  EXPECT_EQ(oldest_kept_day(kNow, 0), kToday);
  EXPECT_EQ(oldest_kept_day(kToday * 86400, 1), kToday - 1);  // 00:00:00 is already the new day
  EXPECT_EQ(oldest_kept_day(kToday * 86400 - 1, 1), kToday - 2);
}

TEST(Planner, BeyondRetentionWarningNamesTheDaysTheirRowsAndTheSetting) {
  EXPECT_EQ(beyond_retention_warning({}, 90, kToday - 90), "");
  const std::map<int64_t, uint64_t> three{
      {day("2025-10-01"), 978}, {day("2025-10-02"), 1043}, {day("2025-10-04"), 979}};
  EXPECT_EQ(beyond_retention_warning(three, 90, day("2025-11-07")),
            "skipped 3 day(s) older than sync.retention_days = 90 (prune keeps 2025-11-07 and later): 2025-10-01, "
            "2025-10-02, 2025-10-04 (3000 rows); raise sync.retention_days to export them");
  std::map<int64_t, uint64_t> many;
  for (int64_t d = day("2025-09-01"); d <= day("2025-09-30"); ++d) many[d] = 2;
  EXPECT_EQ(beyond_retention_warning(many, 7, day("2025-10-01")),
            "skipped 30 day(s) older than sync.retention_days = 7 (prune keeps 2025-10-01 and later): 2025-09-01 to "
            "2025-09-30 (60 rows); raise sync.retention_days to export them");
}

TEST(Planner, BackfillFromAfterToIsRefused) {
  EXPECT_EQ(usage_error(backfill("2026-02-03", "2026-02-01")),
            "--from 2026-02-03 is after --to 2026-02-01: nothing to export");
}

TEST(Planner, BackfillInTheFuture) {
  // --to past today is clamped to today.
  EXPECT_EQ(summary(plan_days(backfill("2026-02-04", "2026-02-10"))),
            (Strings{"2026-02-04 backfill", "2026-02-05 backfill"}));
  EXPECT_EQ(usage_error(backfill("2026-02-06", "2026-02-06")),
            "--from 2026-02-06 is in the future (today is 2026-02-05 UTC)");
}

TEST(Planner, BackfillFromAloneRunsToToday) {
  PlanRequest r = scheduled();
  r.from_day = day("2026-02-03");
  EXPECT_EQ(summary(plan_days(r)), (Strings{"2026-02-03 backfill", "2026-02-04 backfill", "2026-02-05 backfill"}));
  r.from_day.reset();
  r.to_day = day("2026-02-03");
  EXPECT_EQ(usage_error(r), "--to 2026-02-03 needs --from (or use --date for one day)");
}

TEST(Planner, ShardsPartitionThePlanExactly) {
  for (bool is_backfill : {false, true}) {
    PlanRequest r = is_backfill ? backfill("2026-01-01", "2026-01-31") : scheduled(2);
    if (!is_backfill) add_exports(r, "2026-01-20", "2026-01-25");  // 2026-01-26 .. 2026-02-05
    const auto all = plan_days(r);
    ASSERT_EQ(all.size(), is_backfill ? 31u : 11u);
    std::set<int64_t> seen;
    for (int k = 0; k < 2; ++k) {
      r.shard_index = k;
      r.shard_count = 2;
      for (const PlannedDay& p : plan_days(r)) {
        EXPECT_EQ(p.day % 2, k) << format_day(p.day);
        EXPECT_TRUE(seen.insert(p.day).second) << format_day(p.day);
      }
    }
    std::set<int64_t> expected;
    for (const PlannedDay& p : all) expected.insert(p.day);
    EXPECT_EQ(seen, expected);
  }
  PlanRequest r = backfill("2026-01-01", "2026-01-04");  // ordinals 20454..20457
  r.shard_count = 2;
  r.shard_index = 1;
  EXPECT_EQ(summary(plan_days(r)), (Strings{"2026-01-02 backfill", "2026-01-04 backfill"}));
  r.shard_count = 3;
  r.shard_index = 0;
  EXPECT_EQ(summary(plan_days(r)), (Strings{"2026-01-01 backfill", "2026-01-04 backfill"}));
  r.shard_index = 3;
  EXPECT_EQ(usage_error(r), "--shard 3/3: K/N needs N >= 1 and 0 <= K < N");
}
