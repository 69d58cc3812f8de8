#include "parquet/value_text.h"

#include <cmath>
#include <limits>
#include <vector>

#include "parquet/format.h"
#include "parquet/parquet_reader.h"
#include "util/error.h"
#include "util/time.h"

namespace aesync::parquet {

namespace {

// Places the decimal point `scale` digits from the right of `digits` (the magnitude, no leading
// zeros but "0" itself), padding with zeros as needed, and the sign.
std::string scaled(std::string digits, bool negative, int32_t scale) {
  if (scale > 0) {
    const auto s = static_cast<size_t>(scale);
    if (digits.size() <= s) digits.insert(0, s + 1 - digits.size(), '0');
    digits.insert(digits.size() - s, 1, '.');
  }
  if (negative && digits.find_first_not_of("0.") != std::string::npos) digits.insert(0, 1, '-');
  return digits;
}

struct Unit {
  int64_t per_second;
  int digits;
};

Unit unit_of(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::MILLIS: return {1'000, 3};
    case TimeUnit::MICROS: return {1'000'000, 6};
    case TimeUnit::NANOS: return {1'000'000'000, 9};
  }
  return {1'000, 3};
}

// "hh:mm:ss.f..." of `seconds` (0 <= seconds < 86400) and a fraction of `digits` digits.
std::string clock_text(int64_t seconds, int64_t fraction, int digits) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%0*lld", static_cast<long long>(seconds / 3600),
                static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60), digits,
                static_cast<long long>(fraction));
  return buf;
}

}  // namespace

std::string timestamp_text(int64_t value, TimeUnit unit) {
  const Unit u = unit_of(unit);
  int64_t seconds = value / u.per_second;
  int64_t fraction = value % u.per_second;
  if (fraction < 0) {  // floor, so that an instant before the epoch keeps its own second
    fraction += u.per_second;
    --seconds;
  }
  int64_t day = seconds / 86'400;
  int64_t rest = seconds % 86'400;
  if (rest < 0) {
    rest += 86'400;
    --day;
  }
  return format_day(day) + " " + clock_text(rest, fraction, u.digits);
}

std::string time_text(int64_t value, TimeUnit unit) {
  const Unit u = unit_of(unit);
  if (value < 0 || value / u.per_second >= 86'400)
    throw FormatError("TIME value " + std::to_string(value) + " is not a time of day");
  return clock_text(value / u.per_second, value % u.per_second, u.digits);
}

std::string decimal_text(int64_t unscaled, int32_t scale) {
  // The magnitude as unsigned: -INT64_MIN does not fit an int64.
  const bool negative = unscaled < 0;
  const uint64_t magnitude = negative ? ~static_cast<uint64_t>(unscaled) + 1 : static_cast<uint64_t>(unscaled);
  return scaled(std::to_string(magnitude), negative, scale);
}

std::string decimal_text(std::string_view big_endian, int32_t scale) {
  if (big_endian.empty()) throw FormatError("DECIMAL value of 0 bytes (needs at least 1)");
  if (big_endian.size() > kMaxDecimalBytes)
    throw FormatError("DECIMAL value of " + std::to_string(big_endian.size()) + " bytes is longer than the " +
                      std::to_string(kMaxDecimalBytes) + " read");
  std::vector<uint8_t> magnitude(big_endian.begin(), big_endian.end());
  const bool negative = (magnitude[0] & 0x80) != 0;
  if (negative) {  // two's complement: invert and add one
    for (uint8_t& b : magnitude) b = static_cast<uint8_t>(~b);
    for (size_t i = magnitude.size(); i-- > 0;)
      if (++magnitude[i] != 0) break;
  }
  // Repeated division by 10^9 yields the digits nine at a time, least significant first.
  std::vector<uint32_t> groups;
  size_t first = 0;  // magnitude[first..] is what is left to divide
  while (true) {
    while (first < magnitude.size() && magnitude[first] == 0) ++first;
    if (first == magnitude.size()) break;
    uint64_t rem = 0;
    for (size_t i = first; i < magnitude.size(); ++i) {
      const uint64_t cur = (rem << 8) | magnitude[i];
      magnitude[i] = static_cast<uint8_t>(cur / 1'000'000'000);
      rem = cur % 1'000'000'000;
    }
    groups.push_back(static_cast<uint32_t>(rem));
  }
  if (groups.empty()) return scaled("0", false, scale);
  std::string digits = std::to_string(groups.back());
  for (size_t i = groups.size() - 1; i-- > 0;) {
    const std::string g = std::to_string(groups[i]);
    digits.append(9 - g.size(), '0').append(g);
  }
  return scaled(std::move(digits), negative, scale);
}

std::string int96_timestamp_text(std::string_view value) {
  if (value.size() != 12) throw FormatError("INT96 value of " + std::to_string(value.size()) + " bytes (needs 12)");
  constexpr int64_t kNanosPerDay = 86'400'000'000'000;
  const auto nanos = static_cast<int64_t>(load_u64(value.data()));
  const int64_t julian_day = load_u32(value.data() + 8);
  if (nanos < 0 || nanos >= kNanosPerDay)
    throw FormatError("INT96 timestamp of Julian day " + std::to_string(julian_day) + ": " + std::to_string(nanos) +
                      " nanoseconds is not a time of day (0 to " + std::to_string(kNanosPerDay - 1) + ")");
  return format_day(julian_day - kJulianDayOfEpoch) + " " + clock_text(nanos / 1'000'000'000, nanos % 1'000'000'000, 9);
}

float float16_value(std::string_view value) {
  if (value.size() != 2) throw FormatError("FLOAT16 value of " + std::to_string(value.size()) + " bytes (needs 2)");
  const auto bits = static_cast<uint16_t>(static_cast<uint8_t>(value[0]) | static_cast<uint8_t>(value[1]) << 8);
  const int exponent = (bits >> 10) & 0x1f;
  const int mantissa = bits & 0x3ff;
  float v;
  if (exponent == 0) {
    v = std::ldexp(static_cast<float>(mantissa), -24);  // zero and subnormals
  } else if (exponent == 31) {
    v = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    v = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  }
  return bits & 0x8000 ? -v : v;
}

std::string uuid_text(std::string_view value) {
  if (value.size() != 16) throw FormatError("UUID value of " + std::to_string(value.size()) + " bytes (needs 16)");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    const auto b = static_cast<uint8_t>(value[i]);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace aesync::parquet
