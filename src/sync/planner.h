// The planner (docs/sync.md, "The plan"): which days a sync exports, and the windows of each day.
//
// Scheduled plan (no dates): today and the `lookback_days` previous days, plus every day after
// the newest exported partition up to today (catch-up after downtime); nothing older than the
// first export. Backfill (--from/--to, --date): those days inclusive, refused when --from is
// older than `retention_days` before today; days already exported and verified are skipped
// unless --force (never today, which is still growing). --from alone runs to today; a --to
// after today is clamped to today. --shard K/N keeps the days whose ordinal (days since
// 1970-01-01) mod N == K.
// One retention bound everywhere: the oldest day in scope is today - retention_days (prune
// deletes the days before it; neither plan ever includes them).
// Windows: consecutive `window`-long spans from 00:00 UTC; the last window of today ends at
// now - settle (a day with no complete span yet has no windows and is not planned); future
// days are never planned. Pure functions: the clock is an input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "source/window_source.h"

namespace aesync {

//! What the destination already holds for a day (from its manifest).
struct ExportedDay {
  int64_t day = 0;  //!< days since the epoch
  bool verified = false;
  uint64_t rows = 0;
};

struct PlanRequest {
  int64_t now_seconds = 0;
  int lookback_days = 1;
  int retention_days = 90;
  int64_t window_seconds = 3600;
  int64_t settle_seconds = 300;
  std::optional<int64_t> from_day, to_day;  //!< a backfill when set (inclusive)
  bool force = false;
  int shard_index = 0, shard_count = 1;
  std::vector<ExportedDay> exported;  //!< every partition found in the destination
};

struct PlannedDay {
  int64_t day = 0;
  std::vector<Window> windows;
  bool skip = false;   //!< already exported and verified (backfill without --force)
  std::string reason;  //!< why it is in the plan: "today", "lookback", "catch-up", "backfill"
};

//! Throws UsageError (a --from older than retention, --to before --from).
std::vector<PlannedDay> plan_days(const PlanRequest& request);

//! The windows of one day as the planner cuts them.
std::vector<Window> day_windows(int64_t day, int64_t now_seconds, int64_t window_seconds, int64_t settle_seconds);

}  // namespace aesync
