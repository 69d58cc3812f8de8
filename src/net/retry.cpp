#include "net/retry.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <string>

#include "util/text.h"
#include "util/time.h"

namespace aesync::net {

namespace {

constexpr std::chrono::milliseconds kMaxRetryAfter{15 * 60 * 1000};

// How many FailFastScopes live.
std::atomic<int> fail_fast_scopes{0};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool parse_uint(std::string_view s, int64_t& out) {
  if (!all_digits(s)) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT" -> unix seconds.
std::optional<int64_t> parse_imf_fixdate(std::string_view s) {
  static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Www, DD Mmm YYYY hh:mm:ss GMT" is exactly 29 characters.
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s.substr(25) != " GMT")
    return std::nullopt;
  if (std::find(std::begin(kDays), std::end(kDays), s.substr(0, 3)) == std::end(kDays)) return std::nullopt;
  auto month = std::find(std::begin(kMonths), std::end(kMonths), s.substr(8, 3));
  if (month == std::end(kMonths)) return std::nullopt;
  int64_t day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (!parse_uint(s.substr(5, 2), day) || !parse_uint(s.substr(12, 4), year) || !parse_uint(s.substr(17, 2), hh) ||
      !parse_uint(s.substr(20, 2), mm) || !parse_uint(s.substr(23, 2), ss))
    return std::nullopt;
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  const auto m = static_cast<unsigned>(month - std::begin(kMonths)) + 1;
  return days_from_civil(year, m, static_cast<unsigned>(day)) * 86400 + hh * 3600 + mm * 60 + ss;
}

}  // namespace

FailFastScope::FailFastScope() { fail_fast_scopes.fetch_add(1); }

FailFastScope::~FailFastScope() { fail_fast_scopes.fetch_sub(1); }

bool fail_fast() { return fail_fast_scopes.load() > 0; }

RetryPolicy RetryPolicy::with_retries(int max_retries) {
  RetryPolicy p;
  p.max_retries = max_retries;
  if (const char* env = std::getenv("AESYNC_RETRY_BASE_MS")) {
    int64_t ms = 0;
    // Anything but a positive whole number leaves the production defaults.
    if (parse_uint(trim(env), ms) && ms > 0 && ms <= 3'600'000) {
      p.base = std::chrono::milliseconds(ms);
      p.cap = std::chrono::milliseconds(ms * 60);
    }
  }
  return p;
}

Backoff::Backoff(const RetryPolicy& policy) : policy_(policy), rng_(std::random_device{}()) {}

Backoff::Backoff(const RetryPolicy& policy, uint64_t seed) : policy_(policy), rng_(seed) {}

std::chrono::milliseconds Backoff::delay(int retry, std::optional<std::chrono::milliseconds> retry_after) {
  const int64_t cap = std::max<int64_t>(0, policy_.cap.count());
  const int64_t base = std::max<int64_t>(0, policy_.base.count());
  // base * 2^(retry-1), saturating at the cap without overflowing.
  int64_t ceiling = base;
  for (int i = 1; i < retry && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  std::uniform_int_distribution<int64_t> dist(0, ceiling);
  std::chrono::milliseconds d(dist(rng_));
  if (retry_after && *retry_after > d) d = std::min(*retry_after, kMaxRetryAfter);
  return d;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, int64_t now_seconds) {
  value = trim(value);
  if (all_digits(value)) {
    int64_t seconds = 0;
    // A number too large to parse is still "wait very long" (Backoff caps it at 15 minutes);
    // clamping to a day keeps the conversion to milliseconds from overflowing.
    constexpr int64_t kDay = 86400;
    if (!parse_uint(value, seconds) || seconds > kDay) seconds = kDay;
    return std::chrono::seconds(seconds);
  }
  auto at = parse_imf_fixdate(value);
  if (!at) return std::nullopt;
  return std::chrono::seconds(std::max<int64_t>(0, *at - now_seconds));
}

}  // namespace aesync::net
