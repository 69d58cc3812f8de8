// The request budget: burst, refill rate, waiters served in order, pauses (a 429's Retry-After),
// cancellation and the wait counted in aesync_source_budget_wait_seconds_total. The clock and
// the sleep are injected: every wait is exact and nothing sleeps.
#include "net/request_budget.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "util/metrics.h"

namespace aesync::net {
namespace {

using std::chrono::milliseconds;

// A clock that only moves when the budget sleeps; every sleep is recorded.
struct FakeTime {
  double now = 1000;
  std::vector<int64_t> sleeps;  // ms
  bool cancel_next = false;
  RequestBudget budget(double per_minute) {
    return RequestBudget(
        per_minute, [this] { return now; },
        [this](milliseconds d) {
          sleeps.push_back(d.count());
          if (cancel_next) return false;
          now += static_cast<double>(d.count()) / 1000.0;
          return true;
        });
  }
};

TEST(RequestBudget, BurstOfTenThenOnePerInterval) {
  FakeTime t;
  RequestBudget b = t.budget(120);  // 2 per second
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b.acquire());
  EXPECT_TRUE(t.sleeps.empty());
  ASSERT_TRUE(b.acquire());
  ASSERT_TRUE(b.acquire());
  EXPECT_EQ(t.sleeps, (std::vector<int64_t>{500, 500}));
  EXPECT_DOUBLE_EQ(t.now, 1001);
  EXPECT_DOUBLE_EQ(b.waited_seconds(), 1.0);
}

TEST(RequestBudget, RefillsWhileIdleUpToTheBurst) {
  FakeTime t;
  RequestBudget b = t.budget(60);  // 1 per second
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b.acquire());
  t.now += 3;  // 3 tokens back
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.acquire());
  EXPECT_TRUE(t.sleeps.empty());
  ASSERT_TRUE(b.acquire());
  EXPECT_EQ(t.sleeps, (std::vector<int64_t>{1000}));
  t.sleeps.clear();
  t.now += 3600;  // long idle: never more than the burst
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b.acquire());
  EXPECT_TRUE(t.sleeps.empty());
  ASSERT_TRUE(b.acquire());
  EXPECT_EQ(t.sleeps, (std::vector<int64_t>{1000}));
}

TEST(RequestBudget, PauseHoldsEveryTokenBackAndDoesNotRefill) {
  FakeTime t;
  RequestBudget b = t.budget(60);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b.acquire());
  t.now += 2;                        // 2 tokens earned before the 429
  b.pause_for(milliseconds(30000));  // Retry-After: 30
  ASSERT_TRUE(b.acquire());
  EXPECT_EQ(t.sleeps, (std::vector<int64_t>{30000}));
  EXPECT_DOUBLE_EQ(t.now, 1032);
  ASSERT_TRUE(b.acquire());  // the second token earned before the pause
  EXPECT_EQ(t.sleeps.size(), 1u);
  ASSERT_TRUE(b.acquire());  // the pause earned nothing: one more second
  EXPECT_EQ(t.sleeps, (std::vector<int64_t>{30000, 1000}));
  EXPECT_DOUBLE_EQ(b.waited_seconds(), 31.0);
}

TEST(RequestBudget, AnEarlierPauseChangesNothing) {
  FakeTime t;
  RequestBudget b = t.budget(60);
  b.pause_until(1010);
  b.pause_until(1005);
  ASSERT_TRUE(b.acquire());
  EXPECT_EQ(t.sleeps, (std::vector<int64_t>{10000}));
}

TEST(RequestBudget, AnEmptyBucketGivesOneTokenPerInterval) {
  FakeTime t;
  RequestBudget b = t.budget(60);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b.acquire());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.acquire());
  EXPECT_EQ(t.sleeps, (std::vector<int64_t>{1000, 1000, 1000}));
}

TEST(RequestBudget, ReservationsQueueBehindEachOther) {
  // Two waiters reserve before either sleeps: the second's token is due one interval after the
  // first's. The sleep of the first advances the clock; the second then sleeps only the rest.
  double now = 0;
  std::vector<int64_t> sleeps;
  RequestBudget* self = nullptr;
  bool nested = false;
  RequestBudget b(
      60, [&] { return now; },
      [&](milliseconds d) {
        sleeps.push_back(d.count());
        const double wake = now + static_cast<double>(d.count()) / 1000.0;
        if (!nested) {
          nested = true;
          EXPECT_TRUE(self->acquire());  // another worker asks while this one waits
        }
        now = std::max(now, wake);  // both slept at once
        return true;
      });
  self = &b;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b.acquire());
  ASSERT_TRUE(b.acquire());
  // Outer reserved token 11 (due at 1 s), inner token 12 (due at 2 s) and slept 2 s; the outer
  // then found its time passed.
  EXPECT_EQ(sleeps, (std::vector<int64_t>{1000, 2000}));
  EXPECT_DOUBLE_EQ(now, 2);
}

TEST(RequestBudget, CancelledWaitReturnsFalseAndGivesTheTokenBack) {
  FakeTime t;
  RequestBudget b = t.budget(60);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b.acquire());
  t.cancel_next = true;
  EXPECT_FALSE(b.acquire());
  t.cancel_next = false;
  t.sleeps.clear();
  ASSERT_TRUE(b.acquire());  // still the 11th token: one interval
  EXPECT_EQ(t.sleeps, (std::vector<int64_t>{1000}));
}

TEST(RequestBudget, WaitIsCountedInTheMetric) {
  metrics::global().declare("aesync_source_budget_wait_seconds_total", metrics::Type::Counter, "test");
  const double before = metrics::global().value("aesync_source_budget_wait_seconds_total");
  FakeTime t;
  RequestBudget b = t.budget(120);
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(b.acquire());
  EXPECT_DOUBLE_EQ(metrics::global().value("aesync_source_budget_wait_seconds_total") - before, 1.0);
}

TEST(RequestBudget, OnePerRatePerProcess) {
  ::unsetenv("AESYNC_BUDGET_PER_MINUTE");
  const auto a = RequestBudget::shared_for(120);
  EXPECT_EQ(a, RequestBudget::shared_for(120));
  EXPECT_NE(a, RequestBudget::shared_for(60));
  // The tests' knob replaces the configured rate.
  ::setenv("AESYNC_BUDGET_PER_MINUTE", "60", 1);
  EXPECT_EQ(RequestBudget::shared_for(120), RequestBudget::shared_for(60));
  for (const char* ignored : {"0", "-5", "x", ""}) {
    ::setenv("AESYNC_BUDGET_PER_MINUTE", ignored, 1);
    EXPECT_EQ(RequestBudget::shared_for(120), a) << ignored;
  }
  ::unsetenv("AESYNC_BUDGET_PER_MINUTE");
}

TEST(RequestBudget, RejectsANonPositiveRate) { EXPECT_THROW(RequestBudget(0), std::invalid_argument); }

}  // namespace
}  // namespace aesync::net
