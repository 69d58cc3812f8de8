// Exact text of Parquet values whose meaning lies in the schema's annotation rather than in the
// reader's ColumnTypes (parquet-format LogicalTypes.md), for `inspect`:
// - DECIMAL(p,s): the unscaled integer (INT32/INT64, or big-endian two's complement bytes for
//   BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY) times 10^-s, written out exactly ("1.00", "-0.05",
//   "12345678901234567890.123"): string arithmetic on the integer, never floating point.
// - INT96 (Spark's, Impala's and Hive's timestamps): 8-byte little-endian nanoseconds of the day
//   then a 4-byte little-endian Julian day, as "YYYY-MM-DD hh:mm:ss.nnnnnnnnn" (UTC).
// - FLOAT16: an IEEE 754 half-precision number, 2 bytes little-endian.
// - UUID: 16 bytes as the canonical 8-4-4-4-12 lowercase hex form.
// - TIMESTAMP, TIME and DATE at their unit's precision: ".fff", ".ffffff" or ".fffffffff".
//
// Input is untrusted: a value that cannot be what its annotation says (an empty or over-long
// decimal, nanoseconds outside the day, a UUID that is not 16 bytes) is a FormatError saying
// so, never a guessed value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace aesync::parquet {

//! Longest DECIMAL byte form read (64 bytes: 154 digits, past any precision writers use).
inline constexpr size_t kMaxDecimalBytes = 64;

//! `unscaled` x 10^-scale, exactly ("-0.05" for -5 at scale 2); scale >= 0.
std::string decimal_text(int64_t unscaled, int32_t scale);
//! The same for a big-endian two's complement integer of 1 to kMaxDecimalBytes bytes.
std::string decimal_text(std::string_view big_endian, int32_t scale);

//! "YYYY-MM-DD hh:mm:ss.nnnnnnnnn" (UTC) of a 12-byte INT96 timestamp.
std::string int96_timestamp_text(std::string_view value);
//! Days since 1970-01-01 of the Julian day number that INT96 timestamps count in.
inline constexpr int64_t kJulianDayOfEpoch = 2'440'588;

//! The value of a 2-byte little-endian IEEE 754 half-precision number (exact as a float).
float float16_value(std::string_view value);

enum class TimeUnit : uint8_t;

//! "YYYY-MM-DD hh:mm:ss.fff[fff[fff]]" (UTC) of a TIMESTAMP counted in `unit` since the epoch.
std::string timestamp_text(int64_t value, TimeUnit unit);
//! "hh:mm:ss.fff[fff[fff]]" of a TIME counted in `unit` since midnight; FormatError outside the day.
std::string time_text(int64_t value, TimeUnit unit);

//! "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" of a 16-byte UUID.
std::string uuid_text(std::string_view value);

}  // namespace aesync::parquet
