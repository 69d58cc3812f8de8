// The one retry loop: outcomes, the attempt limit and its message, Retry-After, cancellation,
// the log line and the aesync_retries_total series.
#include "net/pacer.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "util/cancel.h"
#include "util/log.h"
#include "util/metrics.h"

namespace aesync::net {
namespace {

using std::chrono::milliseconds;

struct Failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

RetryPolicy fast(int max_retries) {
  RetryPolicy p;
  p.max_retries = max_retries;
  p.base = milliseconds(1);
  p.cap = milliseconds(2);
  return p;
}

// Runs the loop over scripted outcomes (the last one repeats); returns the attempts made and
// what ended it: "done", "split: <reason>" or "failed: <reason>".
std::string run(const RetryPolicy& policy, const std::vector<Outcome>& script, int* attempts,
                RetryTarget target = RetryTarget::Source) {
  *attempts = 0;
  try {
    const Outcome o = run_with_retries(
        policy, target, "GET thing",
        [&](int n) {
          EXPECT_EQ(n, *attempts + 1);
          ++*attempts;
          return script[std::min<size_t>(static_cast<size_t>(n - 1), script.size() - 1)];
        },
        [](const std::string& reason) { throw Failed(reason); });
    return o.kind == Outcome::Kind::Split ? "split: " + o.reason : "done";
  } catch (const Failed& e) {
    return std::string("failed: ") + e.what();
  }
}

TEST(Pacer, RetriesUntilDone) {
  int n = 0;
  EXPECT_EQ(run(fast(6), {Outcome::retry("HTTP 503", 503), Outcome::retry("reset"), Outcome::done()}, &n), "done");
  EXPECT_EQ(n, 3);
}

TEST(Pacer, FatalAndSplitEndAtOnce) {
  int n = 0;
  EXPECT_EQ(run(fast(6), {Outcome::retry("x"), Outcome::fatal("HTTP 403: no", 403)}, &n), "failed: HTTP 403: no");
  EXPECT_EQ(n, 2);
  EXPECT_EQ(run(fast(6), {Outcome::split("HTTP 422: too big", 422)}, &n), "split: HTTP 422: too big");
  EXPECT_EQ(n, 1);
}

TEST(Pacer, RunsOutOfAttemptsNamingTheLastReason) {
  int n = 0;
  EXPECT_EQ(run(fast(2), {Outcome::retry("first"), Outcome::retry("HTTP 502: Bad gateway", 502)}, &n),
            "failed: failed after 3 attempts: HTTP 502: Bad gateway");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(run(fast(0), {Outcome::retry("HTTP 503", 503)}, &n), "failed: failed after 1 attempt: HTTP 503");
  EXPECT_EQ(n, 1);
}

TEST(Pacer, ARejectedCertificateIsNeverRetried) {
  NetworkError rejected("GET https://h/: TLS certificate of h not trusted: SSL certificate problem");
  rejected.certificate_rejected = true;
  NetworkError reset("GET https://h/: Connection reset by peer");
  EXPECT_EQ(Outcome::network(rejected).kind, Outcome::Kind::Fatal);
  EXPECT_EQ(Outcome::network(rejected).reason, rejected.what());
  EXPECT_EQ(Outcome::network(reset).kind, Outcome::Kind::Retry);
  int n = 0;
  EXPECT_EQ(run(fast(6), {Outcome::network(rejected)}, &n), std::string("failed: ") + rejected.what());
  EXPECT_EQ(n, 1);
}

TEST(Pacer, AnUnreachableHostIsRetriedOnceWhateverThePolicy) {
  NetworkError no_dns("GET https://nohost.invalid/: Could not resolve host: nohost.invalid");
  no_dns.unreachable = true;
  NetworkError refused("PUT http://127.0.0.1:9/b/k: Failed to connect to 127.0.0.1 port 9: Couldn't connect");
  refused.unreachable = true;
  EXPECT_EQ(Outcome::network(no_dns).kind, Outcome::Kind::Retry);
  EXPECT_TRUE(Outcome::network(no_dns).unreachable);
  EXPECT_FALSE(Outcome::retry("HTTP 503", 503).unreachable);
  int n = 0;
  EXPECT_EQ(run(fast(6), {Outcome::network(no_dns)}, &n),
            std::string("failed: failed after 2 attempts: ") + no_dns.what());
  EXPECT_EQ(n, 2);
  EXPECT_EQ(run(fast(6), {Outcome::network(refused)}, &n),
            std::string("failed: failed after 2 attempts: ") + refused.what());
  EXPECT_EQ(n, 2);
  // Once in all: a refused connection after a resolver failure ends it too.
  EXPECT_EQ(run(fast(6), {Outcome::network(no_dns), Outcome::network(refused)}, &n),
            std::string("failed: failed after 2 attempts: ") + refused.what());
  EXPECT_EQ(n, 2);
  // The other failures keep the policy's retries; a host that came back is fine.
  EXPECT_EQ(run(fast(6),
                {Outcome::network(refused), Outcome::retry("HTTP 503", 503), Outcome::retry("HTTP 503", 503),
                 Outcome::done()},
                &n),
            "done");
  EXPECT_EQ(n, 4);
  // A policy without retries stays without.
  EXPECT_EQ(run(fast(0), {Outcome::network(refused)}, &n),
            std::string("failed: failed after 1 attempt: ") + refused.what());
  EXPECT_EQ(n, 1);
}

TEST(Pacer, FailFastAllowsNoRetryWhileItsScopeLives) {
  int n = 0;
  EXPECT_FALSE(fail_fast());
  {
    FailFastScope outer;
    {
      FailFastScope inner;
      EXPECT_TRUE(fail_fast());
    }
    EXPECT_TRUE(fail_fast());
    EXPECT_EQ(run(fast(6), {Outcome::retry("HTTP 503", 503), Outcome::done()}, &n),
              "failed: failed after 1 attempt: HTTP 503");
    EXPECT_EQ(n, 1);
  }
  EXPECT_FALSE(fail_fast());
  EXPECT_EQ(run(fast(6), {Outcome::retry("HTTP 503", 503), Outcome::done()}, &n), "done");
  EXPECT_EQ(n, 2);
}

TEST(Pacer, RetryAfterIsHonoured) {
  int n = 0;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(run(fast(6), {Outcome::retry("HTTP 429", 429, milliseconds(300)), Outcome::done()}, &n), "done");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(300));  // the backoff alone: <= 1 ms
}

TEST(Pacer, CancellationEndsTheWait) {
  RetryPolicy slow = fast(6);
  slow.base = slow.cap = milliseconds(60000);
  int n = 0;
  cancel::request();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(run(slow, {Outcome::retry("HTTP 503", 503)}, &n), "failed: cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(5000));
  cancel::reset();
  EXPECT_EQ(n, 1);
}

TEST(Pacer, EachRetryIsLoggedOnceAndCountedByTarget) {
  metrics::Registry& r = metrics::global();
  r.declare("aesync_retries_total", metrics::Type::Counter, "Requests retried, by target (source, storage, posthog).");
  const double storage = r.value("aesync_retries_total", "target=\"storage\"");
  const double posthog = r.value("aesync_retries_total", "target=\"posthog\"");
  log::set_format(log::Format::Json);
  testing::internal::CaptureStderr();
  int n = 0;
  EXPECT_EQ(
      run(fast(6), {Outcome::retry("HTTP 503: busy", 503, milliseconds(7)), Outcome::done()}, &n, RetryTarget::Storage),
      "done");
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(r.value("aesync_retries_total", "target=\"storage\""), storage + 1);
  EXPECT_EQ(r.value("aesync_retries_total", "target=\"posthog\""), posthog);
  EXPECT_NE(log.find("\"msg\":\"retrying\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"target\":\"storage\",\"what\":\"GET thing\",\"attempt\":1,\"status\":503,\"reason\":\"HTTP "
                     "503: busy\",\"delay_ms\":7"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find('\n'), log.size() - 1) << "one line: " << log;
  EXPECT_EQ(target_name(RetryTarget::Source), "source");
  EXPECT_EQ(target_name(RetryTarget::Storage), "storage");
  EXPECT_EQ(target_name(RetryTarget::PostHog), "posthog");
}

}  // namespace
}  // namespace aesync::net
