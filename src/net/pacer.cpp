#include "net/pacer.h"

#include <stdexcept>

#include "util/cancel.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/time.h"

namespace aesync::net {

namespace {

// `fail` returned although it must throw: a programming error, never a silent success.
[[noreturn]] void failed(const std::function<void(const std::string&)>& fail, const std::string& reason) {
  fail(reason);
  throw std::logic_error("run_with_retries: fail() returned for: " + reason);
}

}  // namespace

std::string_view target_name(RetryTarget target) {
  switch (target) {
    case RetryTarget::Source: return "source";
    case RetryTarget::Storage: return "storage";
    case RetryTarget::PostHog: return "posthog";
  }
  return "source";
}

std::optional<std::chrono::milliseconds> retry_after_of(const Response& response) {
  const std::optional<std::string> value = response.header("retry-after");
  if (!value) return std::nullopt;
  return parse_retry_after(*value, now_seconds());
}

Outcome run_with_retries(const RetryPolicy& policy, RetryTarget target, std::string_view what,
                         const std::function<Outcome(int attempt)>& attempt,
                         const std::function<void(const std::string& reason)>& fail) {
  const std::string_view target_text = target_name(target);
  const std::string series = "target=\"" + std::string(target_text) + "\"";
  Backoff backoff(policy);
  // Read once: a request keeps the patience it started with.
  const int max_retries = fail_fast() ? 0 : policy.max_retries;
  int unreachable = 0;  // outcomes so far that found no one at the host
  for (int n = 1;; ++n) {
    Outcome outcome = attempt(n);
    switch (outcome.kind) {
      case Outcome::Kind::Done:
      case Outcome::Kind::Split: return outcome;
      case Outcome::Kind::Fatal: failed(fail, outcome.reason);
      case Outcome::Kind::Retry: break;
    }
    if (outcome.unreachable) ++unreachable;
    if (n > max_retries || unreachable > kUnreachableRetries)
      failed(fail, "failed after " + std::to_string(n) + (n == 1 ? " attempt: " : " attempts: ") + outcome.reason);
    const std::chrono::milliseconds delay = backoff.delay(n, outcome.retry_after);
    metrics::global().add("aesync_retries_total", 1, series);
    // Never a request's headers: they carry the credentials.
    log::warn("retrying", {{"target", target_text},
                           {"what", what},
                           {"attempt", n},
                           {"status", static_cast<int64_t>(outcome.status)},
                           {"reason", outcome.reason},
                           {"delay_ms", static_cast<int64_t>(delay.count())}});
    if (!cancel::sleep_for(delay)) failed(fail, "cancelled");
  }
}

}  // namespace aesync::net
