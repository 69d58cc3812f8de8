// The one retry policy (docs/ae-sql-api.md): exponential backoff with full jitter, base 1 s, cap 60 s, at
// most `max_retries` retries; a server's Retry-After is honoured (used instead of the backoff
// when longer). net/pacer.h's run_with_retries() applies it to every remote request, waiting
// interruptibly (util/cancel.h).
//
// Fail fast where a person waits: while a FailFastScope lives (`aesync check`, `sync --dry-run`)
// every request is tried once (run_with_retries allows no retry) and connects within
// kFailFastConnectTimeoutSeconds (net::HttpClient), so that an unreachable host is reported in
// seconds, not after minutes of backoff.
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

//! The connect timeout while a person waits for the answer (FailFastScope). A TCP (and TLS)
//! handshake with a live endpoint takes well under a second from anywhere on the internet, even
//! across continents; 5 s leaves room for a slow DNS answer and a lost SYN (the kernel resends
//! the first after 1 s, the next after 3 s) and is still short enough that `check` reports
//! three dead hosts within 15 s instead of curl's 30 s each.
inline constexpr int64_t kFailFastConnectTimeoutSeconds = 5;

//! How often a request to a host that cannot be resolved or refuses the connection
//! (NetworkError::unreachable) is retried, whatever the policy's max_retries: once, for a
//! resolver's or a restarting peer's hiccup. More retries only make a person wait for what a
//! typo in a host name or a stopped service already says.
inline constexpr int kUnreachableRetries = 1;

//! While an object of this type lives, the process fails fast (see above). Scopes nest; it is a
//! process-wide setting, made for commands that a person waits on, not for a daemon's runs.
class FailFastScope {
 public:
  FailFastScope();
  ~FailFastScope();
  FailFastScope(const FailFastScope&) = delete;
  FailFastScope& operator=(const FailFastScope&) = delete;
};

//! Whether a FailFastScope lives.
bool fail_fast();

//! Parses a Retry-After header: delta-seconds, or an HTTP date relative to `now_seconds`.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, int64_t now_seconds);

//! Whether an HTTP status is worth retrying: 429 and 5xx, except 501 Not Implemented (the server
//! does not support the request at all: asking again cannot change that).
inline bool retryable_status(long status) { return status == 429 || (status >= 500 && status <= 599 && status != 501); }

}  // namespace aesync::net
