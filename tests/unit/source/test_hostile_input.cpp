// The JSONEachRow reader on hostile input (README.md, "Reliability"): nesting far past any sane depth, a
// 100 MB line, NUL bytes, ill-formed UTF-8, numbers and timestamps out of range. Each test
// states what aesync does; the rule is an InputError naming the line, or a faithful value,
// never a silently wrong one.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "row_recorder.h"
#include "source/jsoneachrow_reader.h"
#include "util/error.h"

namespace aesync {
namespace {

using K = RawColumn::Kind;

using reader_test::cols;
using reader_test::Recorder;

struct Result {
  std::vector<std::string> rows;
  std::string error;  // the InputError's message, "" when none
  uint64_t replaced = 0;
};

// Feeds `input` in chunks of `chunk` bytes (each its own allocation), then finishes.
Result read(const std::vector<RawColumn>& c, std::string_view input, size_t chunk = 64 * 1024) {
  Recorder rec(c);
  JsonEachRowReader reader(c, rec);
  Result r;
  try {
    for (size_t pos = 0; pos < input.size(); pos += chunk) {
      const size_t n = std::min(chunk, input.size() - pos);
      std::unique_ptr<char[]> copy(new char[n]);
      std::memcpy(copy.get(), input.data() + pos, n);
      reader.feed(copy.get(), n);
    }
    reader.finish();
  } catch (const InputError& e) {
    r.error = e.what();
  }
  r.rows = std::move(rec.rows);
  r.replaced = reader.invalid_utf8_replaced();
  return r;
}

const std::string kTsText = "2026-02-03 04:05:06";
const std::string kTs = "1770091506000";  // kTsText in ms

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Nesting

TEST(HostileInput, HundredThousandLevelsUnderAnUnknownKeyAreSkipped) {
  // Unknown values are skipped by balancing brackets, without a depth limit or recursion.
  const std::string arrays = repeat("[", 100000) + repeat("]", 100000);
  const std::string objects = repeat("{\"a\":", 100000) + "1" + repeat("}", 100000);
  const auto r =
      read(cols({"timestamp"}), "{\"x\":" + arrays + ",\"timestamp\":\"" + kTsText + "\",\"y\":" + objects + "}\n");
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.rows, std::vector<std::string>{"1|" + kTs});
}

TEST(HostileInput, HundredThousandLevelsUnderARequestedKeyAreAnError) {
  const std::string arrays = repeat("[", 100000) + repeat("]", 100000);
  const std::string line = "{\"timestamp\":\"" + kTsText + "\",\"blob1\":" + arrays + "}\n";
  auto r = read(cols({"timestamp", "blob1"}), line);
  // The message quotes the line's first 120 bytes, then "…".
  EXPECT_EQ(r.error, "line 1: \"blob1\": expected a string, got an array: " + line.substr(0, 120) + "\xE2\x80\xA6");
  EXPECT_EQ(line.substr(0, 44), "{\"timestamp\":\"2026-02-03 04:05:06\",\"blob1\":[");
  EXPECT_TRUE(r.rows.empty());
  const std::string objects = repeat("{\"a\":", 100000) + "1" + repeat("}", 100000);
  r = read(cols({"double1"}), "{\"double1\":" + objects + "}\n");
  EXPECT_EQ(r.error, "line 1: \"double1\": expected a number, got an object: {\"double1\":" + repeat("{\"a\":", 21) +
                         "{\"a\"\xE2\x80\xA6");
}

// ---------------------------------------------------------------------------------------------
// A 100 MB line

TEST(HostileInput, HundredMegabyteStringIsReadWhole) {
  const size_t n = 100u << 20;
  std::string line = "{\"timestamp\":\"" + kTsText + "\",\"blob1\":\"";
  const size_t value_at = line.size();
  line.append(n, 'x');
  for (size_t i = 0; i < n; i += 4096) line[value_at + i] = static_cast<char>('a' + (i / 4096) % 26);
  line += "\"}\n";
  const auto c = cols({"timestamp", "blob1"});
  auto r = read(c, line);
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.rows.size(), 1u);
  const std::string expect = "1|" + kTs + "|" + line.substr(value_at, n);
  EXPECT_TRUE(r.rows[0] == expect) << "row of " << r.rows[0].size() << " bytes differs";

  // The same line cut inside the string, without its end: the input ends inside line 1.
  r = read(c, std::string_view(line).substr(0, value_at + n / 2));
  EXPECT_EQ(r.error,
            "line 1: truncated at end of input (A string is opened, but never closed.): "
            "{\"timestamp\":\"2026-02-03 04:05:06\",\"blob1\":\"a" +
                std::string(75, 'x') + "\xE2\x80\xA6");
  EXPECT_TRUE(r.rows.empty());
}

// ---------------------------------------------------------------------------------------------
// NUL bytes

TEST(HostileInput, NulBytes) {
  const auto c = cols({"timestamp", "blob1"});
  const std::string head = "{\"timestamp\":\"" + kTsText + "\",\"blob1\":";
  // Escaped, a NUL is an ordinary character of the value.
  auto r = read(c, head + "\"a\\u0000b\"}\n");
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.rows, std::vector<std::string>{"1|" + kTs + "|a" + std::string(1, '\0') + "b"});
  // Raw inside a string: JSON forbids unescaped control characters; the snippet shows \u0000.
  r = read(c, head + "\"a" + std::string(1, '\0') + "b\"}\n");
  EXPECT_EQ(r.error,
            "line 1: invalid JSON (Within strings, some characters must be escaped, we found unescaped characters): " +
                head + "\"a\\u0000b\"}");
  // Raw outside strings: between tokens, and after the object.
  r = read(c, "{" + std::string(1, '\0') + "\"timestamp\":\"" + kTsText + "\",\"blob1\":\"\"}\n");
  EXPECT_EQ(r.error,
            "line 1: invalid JSON (The JSON document has an improper structure: missing or superfluous "
            "commas, braces, missing keys, etc.): {\\u0000\"timestamp\":\"2026-02-03 04:05:06\","
            "\"blob1\":\"\"}");
  r = read(c, head + "\"\"}" + std::string(1, '\0') + "\n");
  EXPECT_EQ(r.error, "line 1: trailing content after the object: " + head + "\"\"}\\u0000");
  EXPECT_TRUE(r.rows.empty());
}

// ---------------------------------------------------------------------------------------------
// Ill-formed UTF-8

TEST(HostileInput, InvalidUtf8InStringsIsReplacedAndCounted) {
  const auto c = cols({"blob1", "blob2", "blob3"});
  // A stray byte; a 4-byte sequence cut short (one maximal subpart); an encoded surrogate
  // (ED A0 80: three subparts); an overlong '/' (C0 AF: two).
  const auto r = read(c,
                      "{\"blob1\":\"a\xFF"
                      "b\",\"blob2\":\"\xF0\x9F\x98!\",\"blob3\":\"\xED\xA0\x80|\xC0\xAF\"}\n");
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.rows, std::vector<std::string>{"1|a\xEF\xBF\xBD"
                                             "b|\xEF\xBF\xBD!|"
                                             "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD"});
  EXPECT_EQ(r.replaced, 7u);
}

TEST(HostileInput, InvalidUtf8InKeys) {
  const auto c = cols({"blob1"});
  // In an unknown key: replaced (counted), and the key is still unknown.
  auto r = read(c, "{\"x\xFE\":1,\"blob1\":\"v\"}\n");
  EXPECT_EQ(r.rows, std::vector<std::string>{"1|v"});
  EXPECT_EQ(r.replaced, 1u);
  // Inside what would be a requested key: it becomes "blob\uFFFD1", another key, so blob1 is
  // missing (the message quotes the line as received).
  r = read(c,
           "{\"blob\xFF"
           "1\":\"v\"}\n");
  EXPECT_EQ(r.error, "line 1: missing key \"blob1\": {\"blob\\xFF1\":\"v\"}");
  EXPECT_EQ(r.replaced, 1u);
}

// ---------------------------------------------------------------------------------------------
// Numbers out of range

std::string numbers_line(std::string_view double1, std::string_view sample_interval) {
  return "{\"double1\":" + std::string(double1) + ",\"_sample_interval\":" + std::string(sample_interval) + "}\n";
}

TEST(HostileInput, DoublesOutOfRangeAreErrors) {
  const auto c = cols({"double1", "_sample_interval"});
  // Beyond DBL_MAX: an error, not inf.
  EXPECT_EQ(read(c, numbers_line("1e400", "1")).error,
            "line 1: \"double1\": expected a number, got 1e400: {\"double1\":1e400,\"_sample_interval\":1}");
  EXPECT_EQ(read(c, numbers_line("-1e400", "1")).error,
            "line 1: \"double1\": expected a number, got -1e400: {\"double1\":-1e400,\"_sample_interval\":1}");
  EXPECT_EQ(read(c, numbers_line("\"1e400\"", "1")).error,
            "line 1: \"double1\": expected a number, got \"1e400\": {\"double1\":\"1e400\",\"_sample_interval\":1}");
  // Below the smallest subnormal: the correctly rounded double, 0 (a JSON number) or an error
  // (a numeric string: std::from_chars reports the underflow).
  EXPECT_EQ(read(c, numbers_line("1e-400", "1")).rows, std::vector<std::string>{"1|0|1"});
  EXPECT_EQ(read(c, numbers_line("\"1e-400\"", "1")).error,
            "line 1: \"double1\": expected a number, got \"1e-400\": {\"double1\":\"1e-400\",\"_sample_interval\":1}");
  // The largest finite values are kept exactly.
  EXPECT_EQ(read(c, numbers_line("1.7976931348623157e308", "1")).rows,
            std::vector<std::string>{"1|1.7976931348623157e+308|1"});
}

TEST(HostileInput, SampleIntervalOutsideInt64OrNotAnIntegerIsAnError) {
  const auto c = cols({"double1", "_sample_interval"});
  auto error = [&](std::string_view v) { return read(c, numbers_line("0", v)).error; };
  auto row = [&](std::string_view v) {
    const auto r = read(c, numbers_line("0", v));
    return r.rows.empty() ? r.error : r.rows[0];
  };
  const std::string head = "line 1: \"_sample_interval\": expected an integer, got ";
  EXPECT_EQ(error("1e30"), head + "1e30: {\"double1\":0,\"_sample_interval\":1e30}");
  EXPECT_EQ(error("9223372036854775808"),
            head + "9223372036854775808: {\"double1\":0,\"_sample_interval\":9223372036854775808}");
  EXPECT_EQ(error("-9223372036854775809"),
            head + "-9223372036854775809: {\"double1\":0,\"_sample_interval\":-9223372036854775809}");
  EXPECT_EQ(error("\"9223372036854775808\""),
            head + "\"9223372036854775808\": {\"double1\":0,\"_sample_interval\":\"9223372036854775808\"}");
  EXPECT_EQ(error("1e-400"), head + "1e-400: {\"double1\":0,\"_sample_interval\":1e-400}");
  EXPECT_EQ(error("0.5"), head + "0.5: {\"double1\":0,\"_sample_interval\":0.5}");
  EXPECT_EQ(error("1e400"), head + "1e400: {\"double1\":0,\"_sample_interval\":1e400}");
  // Not JSON numbers (the numeric-string form allows "1." as std::from_chars does).
  EXPECT_EQ(error("1.e5"), head + "1.e5: {\"double1\":0,\"_sample_interval\":1.e5}");
  EXPECT_EQ(error("01"), head + "01: {\"double1\":0,\"_sample_interval\":01}");
  // The bounds themselves, and integers written as decimals, are exact (not through a double,
  // which would give ...992 for 2^53 + 1 and INT64_MIN for -2^63 - 1).
  EXPECT_EQ(row("9223372036854775807"), "1|0|9223372036854775807");
  EXPECT_EQ(row("-9223372036854775808"), "1|0|-9223372036854775808");
  EXPECT_EQ(row("9223372036854775807.000"), "1|0|9223372036854775807");
  EXPECT_EQ(row("-92233720368547758.08e2"), "1|0|-9223372036854775808");
  EXPECT_EQ(row("9007199254740993.0"), "1|0|9007199254740993");
  EXPECT_EQ(row("\"9007199254740993.0\""), "1|0|9007199254740993");
  EXPECT_EQ(row("1.5e1"), "1|0|15");
  EXPECT_EQ(row("\"1.e5\""), "1|0|100000");
  EXPECT_EQ(row("0.000e99999999999"), "1|0|0");
  EXPECT_EQ(row("-0.0"), "1|0|0");
}

// ---------------------------------------------------------------------------------------------
// Timestamps out of range

TEST(HostileInput, TimestampsOutOfRange) {
  const auto c = cols({"timestamp"});
  auto line = [](std::string_view ts) { return "{\"timestamp\":\"" + std::string(ts) + "\"}\n"; };
  const std::string head = "line 1: \"timestamp\": expected \"YYYY-MM-DD hh:mm:ss\", got ";
  EXPECT_EQ(read(c, line("9999-99-99 00:00:00")).error,
            head + "\"9999-99-99 00:00:00\": {\"timestamp\":\"9999-99-99 00:00:00\"}");
  EXPECT_EQ(read(c, line("2026-02-03 24:00:00")).error,
            head + "\"2026-02-03 24:00:00\": {\"timestamp\":\"2026-02-03 24:00:00\"}");
  EXPECT_EQ(read(c, line("2023-02-29 00:00:00")).error,
            head + "\"2023-02-29 00:00:00\": {\"timestamp\":\"2023-02-29 00:00:00\"}");
  EXPECT_EQ(read(c, line("2016-12-31 23:59:61")).error,
            head + "\"2016-12-31 23:59:61\": {\"timestamp\":\"2016-12-31 23:59:61\"}");
  EXPECT_EQ(read(c, line("-001-01-01 00:00:00")).error,
            head + "\"-001-01-01 00:00:00\": {\"timestamp\":\"-001-01-01 00:00:00\"}");
  // Year 0 is a real year of the proleptic Gregorian calendar (ISO 8601's 1 BC): its instant.
  EXPECT_EQ(read(c, line("0000-01-01 00:00:00")).rows, std::vector<std::string>{"1|-62167219200000"});
  EXPECT_EQ(read(c, line("9999-12-31 23:59:59.999")).rows, std::vector<std::string>{"1|253402300799999"});
  // A leap second: Unix time (and ClickHouse's DateTime, AE's source) has none; read as the
  // next instant it would file a 23:59:60 row under the next day, so it is refused.
  EXPECT_EQ(read(c, line("2016-12-31 23:59:60")).error,
            head + "\"2016-12-31 23:59:60\": {\"timestamp\":\"2016-12-31 23:59:60\"}");
}

}  // namespace
}  // namespace aesync
