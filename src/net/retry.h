// The one retry policy (docs/ae-sql-api.md): exponential backoff with full jitter, base 1 s, cap 60 s, at
// most `max_retries` retries; a server's Retry-After is honoured (used instead of the backoff
// when longer). net/pacer.h's run_with_retries() applies it to every remote request, waiting
// interruptibly (util/cancel.h).
//
// Tests shorten the base and cap with the environment variable AESYNC_RETRY_BASE_MS (the cap
// becomes 60 x base); nothing else reads it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace aesync::net {

struct RetryPolicy {
  int max_retries = 6;
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds cap{60000};

  //! The policy for `max_retries`, with base/cap from AESYNC_RETRY_BASE_MS when set.
  static RetryPolicy with_retries(int max_retries);
};

class Backoff {
 public:
  explicit Backoff(const RetryPolicy& policy);
  //! A reproducible sequence of delays (tests).
  Backoff(const RetryPolicy& policy, uint64_t seed);
  //! The delay before retry number `retry` (1-based): uniform in [0, min(cap, base * 2^(retry-1))],
  //! or `retry_after` when that is longer (capped at 15 minutes).
  std::chrono::milliseconds delay(int retry, std::optional<std::chrono::milliseconds> retry_after = std::nullopt);

 private:
  RetryPolicy policy_;
  std::mt19937_64 rng_;
};

//! Parses a Retry-After header: delta-seconds, or an HTTP date relative to `now_seconds`.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, int64_t now_seconds);

//! Whether an HTTP status is worth retrying: 429 and 5xx, except 501 Not Implemented (the server
//! does not support the request at all: asking again cannot change that).
inline bool retryable_status(long status) { return status == 429 || (status >= 500 && status <= 599 && status != 501); }

}  // namespace aesync::net
