// The planner (docs/sync.md, "The plan"): which days a sync exports, and the windows of each day.
//
// Scheduled plan (no dates): today and the `lookback_days` previous days, plus every day after
// the newest exported partition up to today (catch-up after downtime); nothing older than the
// first export. Backfill (--from/--to, --date): those days inclusive, refused when --from is
// older than `retention_days` before today; days already exported and verified are skipped
// unless --force (never today, which is still growing) or exported with another schema than
// the table's now (their manifest's fingerprint differs: re-exported, reason "old schema"). --from alone runs to today;
// a --to after today is clamped to today. --shard K/N keeps the days whose ordinal (days since 1970-01-01) mod N == K.
// One retention bound everywhere (oldest_kept_day): the oldest day in scope is today -
// retention_days (prune deletes the days before it; neither plan ever includes them, and the file
// source skips them with the one warning of beyond_retention_warning).
// A day's span is [00:00 UTC, min(next 00:00, now - settle)) (a day whose span is empty is not
// planned); future days are never planned.
// Windows (plan_windows): the day's span cut from its histogram (one query per day, buckets of
// kHistogramBucketSeconds): a contiguous partition of the span (no gaps: an empty bucket costs
// nothing to include, and rows arriving late in it are still read), cut on bucket boundaries,
// each window taking buckets while its histogram rows stay <= `window_rows` and its length <=
// `window_seconds`; a window always takes at least one bucket (so it may be longer than
// `window_seconds` when that is under one bucket, or hold more rows than `window_rows` when one
// bucket does). Pure functions: the clock is an input.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "source/window_source.h"

namespace aesync {

//! What the destination already holds for a day (from its manifest).
struct ExportedDay {
  int64_t day = 0;  //!< days since the epoch
  bool verified = false;
  uint64_t rows = 0;
  bool current_schema = true;  //!< its manifest's schema fingerprint is the table's
};

struct PlanRequest {
  int64_t now_seconds = 0;
  int lookback_days = 1;
  int retention_days = 90;
  int64_t settle_seconds = 300;
  std::optional<int64_t> from_day, to_day;  //!< a backfill when set (inclusive)
  bool force = false;
  int shard_index = 0, shard_count = 1;
  std::vector<ExportedDay> exported;  //!< every partition found in the destination
};

struct PlannedDay {
  int64_t day = 0;
  Window span;         //!< what is read of the day (its windows come from its histogram)
  bool skip = false;   //!< already exported and verified (backfill without --force)
  std::string reason;  //!< why it is in the plan: "today", "lookback", "catch-up", "backfill", "old schema"
  uint64_t rows = 0;   //!< a skipped day: the rows its manifest holds (shown in the summary)
};

//! The oldest day (days since the epoch) that a sync writes and prune keeps at `now_seconds`:
//! today - retention_days. Prune deletes every day before it.
int64_t oldest_kept_day(int64_t now_seconds, int retention_days);

//! The one warning for the days a sync skipped because prune would delete them (`rows`: each
//! such day and its rows), naming the days (up to 5; else their range and count), their rows,
//! the setting and its value, and what to do: "skipped 3 day(s) older than sync.retention_days =
//! 90 (prune keeps 2026-09-07 and later): 2026-02-03, 2026-02-04, 2026-02-05 (3000 rows); raise
//! sync.retention_days to export them". Empty when `rows` is.
std::string beyond_retention_warning(const std::map<int64_t, uint64_t>& rows, int retention_days, int64_t oldest_kept);

//! Throws UsageError (a --from older than retention, --to before --from).
std::vector<PlannedDay> plan_days(const PlanRequest& request);

//! The span of one day that can be read now: [00:00, min(next 00:00, now - settle)); empty
//! (end <= start) when nothing of it can.
Window day_span(int64_t day, int64_t now_seconds, int64_t settle_seconds);

//! What the histogram says of `window`: the sum of the buckets starting inside it.
WindowCounts histogram_counts(const std::vector<HistogramBucket>& buckets, const Window& window);

//! The windows of `span` cut from its histogram (`buckets`, non-empty ones in order, each
//! `bucket_seconds` long and aligned on multiples of it). Throws UsageError for a non-positive
//! bucket, window_rows or window_seconds.
std::vector<Window> plan_windows(const Window& span, const std::vector<HistogramBucket>& buckets,
                                 int64_t bucket_seconds, uint64_t window_rows, int64_t window_seconds);

//! `window` in two at the bucket boundary nearest its middle; nullopt for a window of one bucket
//! (or less), which is not split.
std::optional<std::pair<Window, Window>> split_window(const Window& window, int64_t bucket_seconds);

}  // namespace aesync
