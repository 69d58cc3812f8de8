// The request budget of the source (docs/ae-sql-api.md, "Errors, limits, retries"): one token
// bucket shared by every worker of the process, so that aesync stays under the API's per-user
// rate limit (Cloudflare: 1200 requests per 5 minutes per user, shared with the dashboard and
// every other tool of that user; past it every call of the user is refused for 5 minutes).
//
// Contract:
//   - The bucket refills `max_requests_per_minute / 60` tokens per second up to `kBurst` tokens
//     (it starts full). acquire() takes one token; when there is none it blocks until one is due.
//     Waiters are served in the order they asked (each reserves its token: the bucket may go
//     negative, and the n-th waiter's token is due n/rate seconds after the bucket's time).
//   - pause_until(t): nobody's token is due before `t` (a 429 with Retry-After seen by one worker
//     holds back the others too), and the bucket does not refill during the pause. Waiters who
//     had reserved a token before the pause go when it ends.
//   - The wait is interruptible: acquire() returns false (its token given back) as soon as the
//     run is cancelled (util/cancel.h, or the injected sleep saying so).
//   - Every second spent waiting is added to aesync_source_budget_wait_seconds_total in
//     metrics::global() (declared by the daemon) and to waited_seconds().
//
// One budget per process: shared_for(max_requests_per_minute) returns the process's budget for
// that rate, made on first use and kept for the process's life (the daemon's later runs use the
// same one, as the server's limit spans them). Every SqlWindowSource takes from it before each
// request attempt, retries included. Shards running side by side are separate processes: each
// gets its share through its own config (README, "Request budget").
//
// Tests replace the configured rate with the environment variable AESYNC_BUDGET_PER_MINUTE (a
// positive whole number, e.g. 1000000 for suites that are not about the budget); nothing else
// reads it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

namespace aesync::net {

class RequestBudget {
 public:
  //! Seconds on a monotonic clock.
  using Clock = std::function<double()>;
  //! Sleeps up to `d`; false when the run was cancelled (the default: cancel::sleep_for).
  using Sleep = std::function<bool(std::chrono::milliseconds d)>;

  //! Tokens the bucket holds when full: the burst a fresh or idle process may send at once.
  static constexpr double kBurst = 10;

  //! A budget of `max_requests_per_minute` (> 0) requests per minute; `clock` and `sleep` are
  //! the real ones unless given (tests inject both).
  explicit RequestBudget(double max_requests_per_minute, Clock clock = {}, Sleep sleep = {});

  //! Takes one token, waiting until it is due and any pause is over. False when cancelled.
  bool acquire();
  //! Holds every token back until `t` (clock seconds); an earlier `t` than a pause already set
  //! changes nothing.
  void pause_until(double t);
  //! pause_until(now + d).
  void pause_for(std::chrono::milliseconds d);
  //! Seconds the acquire() calls of this budget have spent waiting, in total.
  double waited_seconds() const;

  //! The process-wide budget for this rate (see above).
  static std::shared_ptr<RequestBudget> shared_for(int max_requests_per_minute);

 private:
  void refill(double now);  // with mutex_ held

  const double per_second_;
  Clock clock_;
  Sleep sleep_;
  mutable std::mutex mutex_;
  double tokens_ = kBurst;   // at time last_ (negative: reserved by waiters)
  double last_ = 0;          // the bucket's time: refilled up to here
  double paused_until_ = 0;  // no token is due before this
  double waited_ = 0;
};

}  // namespace aesync::net
