// UTC time helpers shared by every stage. Times are milliseconds or seconds since the Unix
// epoch, always UTC; a "day" is a UTC calendar day written YYYY-MM-DD.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aesync {

constexpr int64_t kMillisPerDay = 86'400'000;

//! Days since 1970-01-01 for a proleptic Gregorian civil date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

//! Parses "YYYY-MM-DD hh:mm:ss" (AE's timestamp form; also accepts 'T' as the separator,
//! a fraction ".fff" and a trailing 'Z') into milliseconds since the epoch, UTC.
std::optional<int64_t> parse_timestamp_ms(std::string_view s);

//! Parses "YYYY-MM-DD" into days since the epoch; nullopt if malformed or not a real date.
std::optional<int64_t> parse_day(std::string_view s);

//! The UTC day (days since the epoch) that holds a millisecond timestamp.
inline int64_t day_of_ms(int64_t ms) {
  return ms >= 0 ? ms / kMillisPerDay : -((-ms + kMillisPerDay - 1) / kMillisPerDay);
}

//! "YYYY-MM-DD" for days since the epoch.
std::string format_day(int64_t day);

//! "YYYY-MM-DD hh:mm:ss.fff" (UTC) for milliseconds since the epoch.
std::string format_timestamp_ms(int64_t ms);

//! "YYYY-MM-DDThh:mm:ssZ" (RFC 3339, UTC) for seconds since the epoch.
std::string format_rfc3339(int64_t seconds);

//! The wall clock: seconds since the epoch (for --now, callers take the run's own clock).
int64_t now_seconds();

//! Parses a duration "90s", "5m", "6h", "1d" into seconds; nullopt if malformed or <= 0.
std::optional<int64_t> parse_duration_seconds(std::string_view s);

}  // namespace aesync
