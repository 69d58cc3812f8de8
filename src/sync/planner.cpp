#include "sync/planner.h"

#include <algorithm>
#include <map>

#include "util/error.h"
#include "util/time.h"

namespace aesync {

namespace {

constexpr int64_t kSecondsPerDay = 86'400;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

void check_request(const PlanRequest& r) {
  if (r.settle_seconds < 0) throw UsageError("settle must not be negative");
  if (r.lookback_days < 0) throw UsageError("lookback_days must not be negative");
  if (r.retention_days < 0) throw UsageError("retention_days must not be negative");
  if (r.shard_count < 1 || r.shard_index < 0 || r.shard_index >= r.shard_count)
    throw UsageError("--shard " + std::to_string(r.shard_index) + "/" + std::to_string(r.shard_count) +
                     ": K/N needs N >= 1 and 0 <= K < N");
}

// Days picked by the scheduled plan, with the reason each is there. "today" and "lookback"
// win over "catch-up": a day inside the lookback would be exported without the downtime too.
std::map<int64_t, std::string> scheduled_days(const PlanRequest& r, int64_t today, int64_t oldest_held) {
  std::map<int64_t, std::string> days;
  for (int64_t d = today - r.lookback_days; d <= today; ++d) days.emplace(d, d == today ? "today" : "lookback");
  if (!r.exported.empty()) {
    const auto [first, newest] = std::minmax_element(
        r.exported.begin(), r.exported.end(), [](const ExportedDay& a, const ExportedDay& b) { return a.day < b.day; });
    for (int64_t d = std::max(newest->day + 1, oldest_held); d <= today; ++d) days.emplace(d, "catch-up");
    // Days before the first export were never asked for: only a backfill exports them.
    days.erase(days.begin(), days.lower_bound(first->day));
  }
  // AE no longer holds them (and prune deletes them): a scheduled run never plans them.
  days.erase(days.begin(), days.lower_bound(oldest_held));
  return days;
}

std::map<int64_t, std::string> backfill_days(const PlanRequest& r, int64_t today, int64_t oldest_held) {
  if (!r.from_day) throw UsageError("--to " + format_day(*r.to_day) + " needs --from (or use --date for one day)");
  const int64_t from = *r.from_day;
  // --from alone means "from that day up to today".
  int64_t to = r.to_day.value_or(today);
  if (from > to)
    throw UsageError("--from " + format_day(from) + " is after --to " + format_day(to) + ": nothing to export");
  if (from > today)
    throw UsageError("--from " + format_day(from) + " is in the future (today is " + format_day(today) + " UTC)");
  if (from < oldest_held)
    throw UsageError("--from " + format_day(from) +
                     " is older than retention_days = " + std::to_string(r.retention_days) +
                     " (the oldest day AE still holds is " + format_day(oldest_held) + ")");
  // Days after today have no data yet: a --to in the future means "up to now".
  to = std::min(to, today);
  std::map<int64_t, std::string> days;
  for (int64_t d = from; d <= to; ++d) days.emplace(d, "backfill");
  return days;
}

}  // namespace

int64_t oldest_kept_day(int64_t now_seconds, int retention_days) {
  return floor_div(now_seconds, kSecondsPerDay) - retention_days;
}

std::string beyond_retention_warning(const std::map<int64_t, uint64_t>& rows, int retention_days, int64_t oldest_kept) {
  if (rows.empty()) return {};
  // Up to this many days are named one by one; more are named by their range.
  constexpr size_t kDaysNamed = 5;
  uint64_t total = 0;
  for (const auto& [day, n] : rows) total += n;
  std::string days;
  if (rows.size() <= kDaysNamed) {
    for (const auto& [day, n] : rows) days += (days.empty() ? "" : ", ") + format_day(day);
  } else {
    days = format_day(rows.begin()->first) + " to " + format_day(rows.rbegin()->first);
  }
  return "skipped " + std::to_string(rows.size()) +
         " day(s) older than sync.retention_days = " + std::to_string(retention_days) + " (prune keeps " +
         format_day(oldest_kept) + " and later): " + days + " (" + std::to_string(total) +
         " rows); raise sync.retention_days to export them";
}

Window day_span(int64_t day, int64_t now_seconds, int64_t settle_seconds) {
  const int64_t start = day * kSecondsPerDay;
  // Rows newer than now - settle may still be arriving at AE: the next run fetches them.
  const int64_t end = std::min(start + kSecondsPerDay, now_seconds - settle_seconds);
  return {start, std::max(start, end)};
}

WindowCounts histogram_counts(const std::vector<HistogramBucket>& buckets, const Window& window) {
  WindowCounts c;
  auto it = std::lower_bound(buckets.begin(), buckets.end(), window.start,
                             [](const HistogramBucket& b, int64_t t) { return b.start < t; });
  for (; it != buckets.end() && it->start < window.end; ++it) {
    c.rows += it->rows;
    c.sample_weight += it->sample_weight;
  }
  return c;
}

std::vector<Window> plan_windows(const Window& span, const std::vector<HistogramBucket>& buckets,
                                 int64_t bucket_seconds, uint64_t window_rows, int64_t window_seconds) {
  if (bucket_seconds <= 0 || window_rows == 0 || window_seconds <= 0)
    throw UsageError("plan_windows(): bucket_seconds, window_rows and window_seconds must be positive");
  std::vector<Window> windows;
  auto next = buckets.begin();
  int64_t start = span.start;
  while (start < span.end) {
    Window w{start, start};
    uint64_t rows = 0;
    for (;;) {
      // The next bucket: from w.end to the following boundary (the span's end at most).
      const int64_t bucket_end = std::min(span.end, (floor_div(w.end, bucket_seconds) + 1) * bucket_seconds);
      while (next != buckets.end() && next->start < w.end) ++next;
      const uint64_t bucket_rows = next != buckets.end() && next->start < bucket_end ? next->rows : 0;
      const bool first = w.end == w.start;
      if (!first && (rows + bucket_rows > window_rows || bucket_end - w.start > window_seconds)) break;
      rows += bucket_rows;
      w.end = bucket_end;
      if (w.end >= span.end) break;
    }
    windows.push_back(w);
    start = w.end;
  }
  return windows;
}

std::optional<std::pair<Window, Window>> split_window(const Window& window, int64_t bucket_seconds) {
  // The boundaries strictly inside the window; the one nearest its middle (the earlier on a tie).
  const int64_t first = (floor_div(window.start, bucket_seconds) + 1) * bucket_seconds;
  const int64_t last = floor_div(window.end - 1, bucket_seconds) * bucket_seconds;
  if (first > last) return std::nullopt;
  const int64_t middle = window.start + (window.end - window.start) / 2;
  int64_t cut = floor_div(middle, bucket_seconds) * bucket_seconds;
  if (middle - cut > cut + bucket_seconds - middle) cut += bucket_seconds;
  cut = std::clamp(cut, first, last);
  return std::make_pair(Window{window.start, cut}, Window{cut, window.end});
}

std::vector<PlannedDay> plan_days(const PlanRequest& request) {
  check_request(request);
  const int64_t today = floor_div(request.now_seconds, kSecondsPerDay);
  // One bound for all of aesync: prune deletes the days before it, sync never plans them, and
  // a backfill may not start before it.
  const int64_t oldest_held = oldest_kept_day(request.now_seconds, request.retention_days);
  const bool backfill = request.from_day || request.to_day;
  const std::map<int64_t, std::string> days =
      backfill ? backfill_days(request, today, oldest_held) : scheduled_days(request, today, oldest_held);

  std::map<int64_t, const ExportedDay*> exported;
  for (const ExportedDay& e : request.exported) {
    auto [it, inserted] = exported.emplace(e.day, &e);
    if (!inserted && e.verified) it->second = &e;
  }

  std::vector<PlannedDay> plan;
  for (const auto& [day, reason] : days) {
    // Applied last so that every shard sees the same plan and takes its own slice of it.
    if (floor_mod(day, request.shard_count) != request.shard_index) continue;
    PlannedDay p;
    p.day = day;
    p.span = day_span(day, request.now_seconds, request.settle_seconds);
    if (p.span.end <= p.span.start) continue;  // today, within `settle` of midnight: nothing to fetch yet
    p.reason = reason;
    // Today is never complete, so an earlier export of it is never a reason to skip it.
    if (backfill && !request.force && day != today) {
      auto it = exported.find(day);
      if (it != exported.end() && it->second->verified) {
        if (it->second->current_schema) {
          p.skip = true;
          p.rows = it->second->rows;
          p.reason = "already exported and verified; --force re-exports it";
        } else {
          p.reason = "old schema";
        }
      }
    }
    plan.push_back(std::move(p));
  }
  return plan;
}

}  // namespace aesync
