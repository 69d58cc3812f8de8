// The one retry loop (after rclone's lib/pacer): every remote request (a source query, an S3
// request, a PostHog API call) runs its attempts through run_with_retries(), so that all of them
// retry the same way (docs/ae-sql-api.md, "Errors, limits, retries").
//
// The caller's attempt makes one try and says what it came to: done, retry (a reason, the HTTP
// status if any, the server's Retry-After if any), split (the SQL sources' "this window is too
// big, halve it": returned to the caller, which decides) or fatal (a reason). The loop does the
// rest uniformly:
//   - between attempts it waits per net::Backoff (full jitter; a longer Retry-After wins), and
//     the wait ends early when the run is cancelled (util/cancel.h);
//   - after `policy.max_retries` retries the request fails: "failed after N attempts: <reason>"
//     ("1 attempt" when no retry was allowed); while a FailFastScope lives (net/retry.h) no
//     retry is allowed at all;
//   - an unreachable host (Outcome::unreachable: the name did not resolve, the connection was
//     refused) is retried at most kUnreachableRetries (1) times in all, whatever the policy: the
//     second such outcome fails the request;
//   - each retry writes one warn line "retrying" with the fields target, what, attempt, status
//     (0: no HTTP response), reason and delay_ms, and adds 1 to
//     aesync_retries_total{target="source|storage|posthog"} in metrics::global().
// Failing is the caller's: `fail(reason)` throws the caller's own error (SourceError,
// StorageError...) for a fatal outcome (its reason), for running out of attempts (the message
// above) and for a cancelled wait ("cancelled"). Exceptions an attempt throws pass through
// unchanged. A rejected TLS certificate is never retried: Outcome::network() makes it fatal.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_client.h"
#include "net/retry.h"

namespace aesync::net {

//! Who retries: the `target` label of aesync_retries_total and the `target` field of the log.
enum class RetryTarget { Source, Storage, PostHog };

//! "source", "storage" or "posthog".
std::string_view target_name(RetryTarget target);

//! What one attempt came to.
struct Outcome {
  enum class Kind { Done, Retry, Split, Fatal };
  Kind kind = Kind::Done;
  std::string reason;  //!< "HTTP 503: Service unavailable", a network error, a reader error
  long status = 0;     //!< the HTTP status of an error response, 0 when there was none
  std::optional<std::chrono::milliseconds> retry_after;  //!< the server's Retry-After (Retry only)
  bool unreachable = false;  //!< a Retry because the host did not resolve or refused (NetworkError::unreachable)

  static Outcome done() { return {}; }
  static Outcome retry(std::string reason, long status = 0,
                       std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
    return {Kind::Retry, std::move(reason), status, retry_after, false};
  }
  static Outcome split(std::string reason, long status = 0) {
    return {Kind::Split, std::move(reason), status, {}, false};
  }
  static Outcome fatal(std::string reason, long status = 0) {
    return {Kind::Fatal, std::move(reason), status, {}, false};
  }
  //! A transport failure: retried, except a rejected TLS certificate (it stays untrusted); an
  //! unreachable host is marked so (retried once at most).
  static Outcome network(const NetworkError& e) {
    if (e.certificate_rejected) return fatal(e.what());
    Outcome outcome = retry(e.what());
    outcome.unreachable = e.unreachable;
    return outcome;
  }
};

//! The Retry-After of a response (delta-seconds or an HTTP date against the wall clock), if any.
std::optional<std::chrono::milliseconds> retry_after_of(const Response& response);

//! Calls `attempt(n)` (n = 1, 2, ...) until it returns done or split, and returns that outcome;
//! in between, waits, logs and counts as stated above. For a fatal outcome, the attempts running
//! out or a cancelled wait it calls `fail(reason)`, which must throw. `what` names the request in
//! the log ("PutObject s3://bucket/key", "window [...)", "GET /api/projects/1/...").
Outcome run_with_retries(const RetryPolicy& policy, RetryTarget target, std::string_view what,
                         const std::function<Outcome(int attempt)>& attempt,
                         const std::function<void(const std::string& reason)>& fail);

}  // namespace aesync::net
