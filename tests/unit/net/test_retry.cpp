#include "net/retry.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace aesync::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

RetryPolicy small_policy() {
  RetryPolicy p;
  p.max_retries = 6;
  p.base = milliseconds(100);
  p.cap = milliseconds(1000);
  return p;
}

TEST(Backoff, FullJitterWithinTheExponentialCeiling) {
  Backoff backoff(small_policy(), 42);
  const int64_t ceilings[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int retry = 1; retry <= 7; ++retry) {
    int64_t lo = INT64_MAX, hi = -1;
    for (int i = 0; i < 2000; ++i) {
      const int64_t d = backoff.delay(retry).count();
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    const int64_t ceiling = ceilings[retry - 1];
    SCOPED_TRACE(retry);
    EXPECT_GE(lo, 0);
    EXPECT_LE(hi, ceiling);
    // Uniform over [0, ceiling]: 2000 draws reach both ends' neighbourhoods.
    EXPECT_LT(lo, ceiling / 10 + 1);
    EXPECT_GT(hi, ceiling - ceiling / 10 - 1);
  }
}

TEST(Backoff, HugeRetryNumbersStayAtTheCap) {
  Backoff backoff(small_policy(), 7);
  for (int retry : {30, 62, 63, 64, 1000, 2147483647}) EXPECT_LE(backoff.delay(retry).count(), 1000) << retry;
  RetryPolicy prod;  // the production defaults, seeded from random_device
  Backoff unseeded(prod);
  EXPECT_LE(unseeded.delay(100).count(), 60000);
}

TEST(Backoff, SameSeedSameDelays) {
  Backoff a(small_policy(), 123), b(small_policy(), 123);
  for (int retry = 1; retry <= 6; ++retry) EXPECT_EQ(a.delay(retry), b.delay(retry));
}

TEST(Backoff, RetryAfterWinsWhenLongerAndIsCappedAtFifteenMinutes) {
  Backoff backoff(small_policy(), 1);
  EXPECT_EQ(backoff.delay(1, seconds(5)), milliseconds(5000));
  EXPECT_EQ(backoff.delay(6, milliseconds(1001)), milliseconds(1001));
  EXPECT_EQ(backoff.delay(1, minutes(60)), minutes(15));
  // Shorter than the backoff's draw: the draw stands (so never above the ceiling).
  for (int i = 0; i < 100; ++i) {
    const auto d = backoff.delay(1, milliseconds(0));
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), 100);
  }
}

TEST(RetryPolicy, BaseFromTheEnvironment) {
  ::unsetenv("AESYNC_RETRY_BASE_MS");
  RetryPolicy p = RetryPolicy::with_retries(3);
  EXPECT_EQ(p.max_retries, 3);
  EXPECT_EQ(p.base, milliseconds(1000));
  EXPECT_EQ(p.cap, milliseconds(60000));

  ::setenv("AESYNC_RETRY_BASE_MS", "20", 1);
  p = RetryPolicy::with_retries(6);
  EXPECT_EQ(p.max_retries, 6);
  EXPECT_EQ(p.base, milliseconds(20));
  EXPECT_EQ(p.cap, milliseconds(1200));

  for (const char* bad : {"", "abc", "-5", "0", "1.5"}) {
    ::setenv("AESYNC_RETRY_BASE_MS", bad, 1);
    p = RetryPolicy::with_retries(1);
    EXPECT_EQ(p.base, milliseconds(1000)) << bad;
    EXPECT_EQ(p.cap, milliseconds(60000)) << bad;
  }
  ::unsetenv("AESYNC_RETRY_BASE_MS");
}

TEST(ParseRetryAfter, DeltaSeconds) {
  EXPECT_EQ(parse_retry_after("120", 0), milliseconds(120000));
  EXPECT_EQ(parse_retry_after(" 5 ", 0), milliseconds(5000));
  EXPECT_EQ(parse_retry_after("0", 0), milliseconds(0));
  EXPECT_EQ(parse_retry_after("99999999999999999999999", 0), seconds(86400));
}

TEST(ParseRetryAfter, HttpDate) {
  constexpr int64_t kAt = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", kAt - 30), milliseconds(30000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", kAt), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", kAt + 3600), milliseconds(0));  // in the past
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", 0), milliseconds(10000));
  EXPECT_EQ(parse_retry_after("Sat, 29 Feb 2020 23:59:59 GMT", 1583020799 - 1), milliseconds(1000));
}

TEST(ParseRetryAfter, Malformed) {
  for (const char* bad :
       {"", "  ", "-5", "1.5", "5s", "soon", "Wed, 21 Oct 2015 07:28:00 UTC", "Wed, 21 Oct 2015 07:28:00",
        "Xyz, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Foo 2015 07:28:00 GMT", "Wed, 32 Oct 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015 24:28:00 GMT", "Wednesday, 21-Oct-15 07:28:00 GMT"})
    EXPECT_EQ(parse_retry_after(bad, 0), std::nullopt) << bad;
}

TEST(RetryableStatus, FiveHundredsAndTooManyRequests) {
  EXPECT_TRUE(retryable_status(429));
  EXPECT_TRUE(retryable_status(500));
  EXPECT_TRUE(retryable_status(503));
  EXPECT_TRUE(retryable_status(502));
  EXPECT_TRUE(retryable_status(599));
  EXPECT_FALSE(retryable_status(501));  // Not Implemented: never retried
  EXPECT_FALSE(retryable_status(404));
  EXPECT_FALSE(retryable_status(200));
}

}  // namespace
}  // namespace aesync::net
