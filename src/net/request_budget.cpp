#include "net/request_budget.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string_view>

#include "util/cancel.h"
#include "util/metrics.h"
#include "util/text.h"

namespace aesync::net {

namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

RequestBudget::RequestBudget(double max_requests_per_minute, Clock clock, Sleep sleep)
    : per_second_(max_requests_per_minute / 60.0),
      clock_(clock ? std::move(clock) : Clock(steady_seconds)),
      sleep_(sleep ? std::move(sleep) : Sleep(cancel::sleep_for)) {
  if (!(max_requests_per_minute > 0)) throw std::invalid_argument("RequestBudget: the rate must be positive");
  last_ = clock_();
}

void RequestBudget::refill(double now) {
  // Nothing refills before the bucket's own time (a pause moved it ahead) or during a pause.
  const double from = std::max(last_, paused_until_);
  if (now <= from) return;
  tokens_ = std::min(kBurst, tokens_ + (now - from) * per_second_);
  last_ = now;
}

bool RequestBudget::acquire() {
  double due = 0;
  {
    std::lock_guard lock(mutex_);
    const double now = clock_();
    refill(now);
    tokens_ -= 1;
    // From the bucket's next refill (now, or the end of a pause), as long as the tokens this
    // one waits for take to come (those reserved by the waiters ahead included).
    due = std::max(now, paused_until_) + (tokens_ < 0 ? -tokens_ / per_second_ : 0.0);
  }
  double waited = 0;
  bool cancelled = false;
  for (;;) {
    double target = 0;
    {
      std::lock_guard lock(mutex_);
      target = std::max(due, paused_until_);  // a pause set while waiting holds this one too
    }
    const double now = clock_();
    if (now >= target) break;
    const auto ms = std::chrono::milliseconds(static_cast<int64_t>(std::ceil((target - now) * 1000.0)));
    const bool slept = sleep_(ms);
    waited += std::max(0.0, clock_() - now);
    if (!slept || cancel::requested()) {
      cancelled = true;
      break;
    }
  }
  {
    std::lock_guard lock(mutex_);
    waited_ += waited;
    if (cancelled) tokens_ += 1;  // not spent
  }
  if (waited > 0) metrics::global().add("aesync_source_budget_wait_seconds_total", waited);
  return !cancelled;
}

void RequestBudget::pause_until(double t) {
  std::lock_guard lock(mutex_);
  if (t <= paused_until_) return;
  refill(std::min(t, clock_()));
  paused_until_ = t;
}

void RequestBudget::pause_for(std::chrono::milliseconds d) {
  pause_until(clock_() + std::chrono::duration<double>(d).count());
}

double RequestBudget::waited_seconds() const {
  std::lock_guard lock(mutex_);
  return waited_;
}

std::shared_ptr<RequestBudget> RequestBudget::shared_for(int max_requests_per_minute) {
  if (const char* env = std::getenv("AESYNC_BUDGET_PER_MINUTE")) {
    int64_t rate = 0;
    const std::string_view text = trim(env);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), rate);
    // Anything but a positive whole number leaves the configured rate.
    if (!text.empty() && ec == std::errc() && end == text.data() + text.size() && rate > 0 && rate <= 1'000'000'000)
      max_requests_per_minute = static_cast<int>(rate);
  }
  static std::mutex mutex;
  static std::map<int, std::shared_ptr<RequestBudget>> budgets;
  std::lock_guard lock(mutex);
  std::shared_ptr<RequestBudget>& budget = budgets[max_requests_per_minute];
  if (!budget) budget = std::make_shared<RequestBudget>(static_cast<double>(max_requests_per_minute));
  return budget;
}

}  // namespace aesync::net
