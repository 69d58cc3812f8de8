// The JSONEachRow reader's fast path for a fixed key order (source/jsoneachrow_fast.h): every
// input is read with the fast path on and off, and the two runs must agree exactly (rows, error
// message, lines(), U+FFFD count); fast_path_rows() shows which lines the fast path took.
#include <gtest/gtest.h>

#include <cstdio>
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

struct Outcome {
  std::vector<std::string> rows;
  std::string error;  // "" when the input was read whole
  uint64_t lines = 0;
  uint64_t replaced = 0;
  uint64_t fast_rows = 0;
};

// Feeds `input` in chunks ending at `cuts` (each chunk its own allocation), then finishes.
Outcome run(const std::vector<RawColumn>& c, std::string_view input, bool fast, const std::vector<size_t>& cuts) {
  Recorder rec(c);
  JsonEachRowReader reader(c, rec);
  reader.use_fast_path(fast);
  Outcome out;
  try {
    size_t pos = 0;
    std::vector<size_t> ends = cuts;
    ends.push_back(input.size());
    for (size_t cut : ends) {
      std::vector<char> chunk(input.begin() + static_cast<std::ptrdiff_t>(pos),
                              input.begin() + static_cast<std::ptrdiff_t>(cut));
      reader.feed(chunk.data(), chunk.size());
      pos = cut;
    }
    reader.finish();
  } catch (const InputError& e) {
    out.error = e.what();
  }
  out.rows = rec.rows;
  out.lines = reader.lines();
  out.replaced = reader.invalid_utf8_replaced();
  out.fast_rows = reader.fast_path_rows();
  return out;
}

// Reads `input` both ways, expects the same outcome, and returns the fast-path run.
Outcome both(const std::vector<RawColumn>& c, std::string_view input, const std::vector<size_t>& cuts = {}) {
  const Outcome general = run(c, input, false, cuts);
  Outcome fast = run(c, input, true, cuts);
  EXPECT_EQ(fast.rows, general.rows);
  EXPECT_EQ(fast.error, general.error);
  EXPECT_EQ(fast.lines, general.lines);
  EXPECT_EQ(fast.replaced, general.replaced);
  EXPECT_EQ(general.fast_rows, 0u);
  return fast;
}

const std::vector<RawColumn> kColumns = cols({"timestamp", "_sample_interval", "blob1", "blob5", "double1", "double4"});

// An AE line (keys in the SQL API's alphabetical order) with `blob5`, `double1` written as given.
std::string ae(int second, std::string blob5 = "\"node\"", std::string double1 = "64.89") {
  char ts[32];
  std::snprintf(ts, sizeof ts, "2026-02-03 00:00:%02d", second);
  return R"({"_sample_interval":1,"blob1":"org_055","blob5":)" + blob5 + R"(,"dataset":"machine_metrics","double1":)" +
         double1 + R"(,"double4":0,"index1":"m_279d81f9y1","timestamp":")" + ts + "\"}";
}

// 2026-02-03 00:00:00 UTC in ms.
constexpr int64_t kDay = 1770076800000;
std::string row(int line, int second, std::string blob5 = "node", std::string double1 = "64.890000000000001") {
  return std::to_string(line) + "|" + std::to_string(kDay + second * 1000) + "|1|org_055|" + blob5 + "|" + double1 +
         "|0";
}

TEST(JsonEachRowFastPath, LearnsFromTheFirstLineAndReadsTheRest) {
  const Outcome r = both(kColumns, ae(0) + "\n" + ae(1) + "\n" + ae(2) + "\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{row(1, 0), row(2, 1), row(3, 2)}));
  EXPECT_EQ(r.fast_rows, 2u);
}

TEST(JsonEachRowFastPath, KeyOrderChangeMidStreamIsLearnedAgain) {
  // Lines 3-5 put timestamp first: lines 3 and 4 deviate (general path; the second deviation in a
  // row is learned), line 5 follows the new order, line 6 the old one again (a deviation).
  auto reordered = [](int second) {
    std::string l = ae(second);
    const size_t at = l.find(",\"timestamp\"");
    const std::string ts = l.substr(at + 1, l.size() - at - 2);
    return "{" + ts + "," + l.substr(1, at - 1) + "}";
  };
  const std::string input =
      ae(0) + "\n" + ae(1) + "\n" + reordered(2) + "\n" + reordered(3) + "\n" + reordered(4) + "\n" + ae(5) + "\n";
  const Outcome r = both(kColumns, input);
  EXPECT_EQ(r.rows, (std::vector<std::string>{row(1, 0), row(2, 1), row(3, 2), row(4, 3), row(5, 4), row(6, 5)}));
  EXPECT_EQ(r.fast_rows, 2u);  // lines 2 and 5
}

TEST(JsonEachRowFastPath, ExtraKeyFallsBackAndMissingKeyIsTheGeneralPathsError) {
  std::string extra = ae(1);
  extra.insert(extra.size() - 1, ",\"blob6\":\"x\"");
  Outcome r = both(kColumns, ae(0) + "\n" + extra + "\n" + ae(2) + "\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{row(1, 0), row(2, 1), row(3, 2)}));
  EXPECT_EQ(r.fast_rows, 1u);  // line 3: a single odd line does not replace the order learned

  std::string missing = ae(1);
  missing.erase(missing.find(",\"double4\":0"), 12);
  r = both(kColumns, ae(0) + "\n" + missing + "\n" + ae(2) + "\n");
  EXPECT_EQ(r.rows, std::vector<std::string>{row(1, 0)});
  EXPECT_EQ(r.error, "line 2: missing key \"double4\": " + missing.substr(0, 120) + "\xE2\x80\xA6");
}

TEST(JsonEachRowFastPath, EscapesAreDecodedAsTheGeneralPathDecodesThem) {
  const std::string input = ae(0) + "\n" + ae(1, R"("/usr/bin/env \"q\" C:\\t \/ \b\f\n\r\t")") + "\n" +
                            ae(2, R"("caf\u00e9 \u00E9 \ud83d\ude00 \u2028 \u0000")") + "\n" + ae(3, R"("a\ud800b")") +
                            "\n" + ae(4, R"("bad \x")") + "\n";
  const Outcome r = both(kColumns, input);
  EXPECT_EQ(r.rows,
            (std::vector<std::string>{
                row(1, 0), row(2, 1, "/usr/bin/env \"q\" C:\\t / \b\f\n\r\t"),
                row(3, 2, std::string("caf\xC3\xA9 \xC3\xA9 \xF0\x9F\x98\x80 \xE2\x80\xA8 ") + std::string(1, '\0')),
                row(4, 3,
                    "a\xEF\xBF\xBD"
                    "b")}));
  EXPECT_EQ(r.error, "line 5: invalid JSON (Problem while parsing a string): " + ae(4, R"("bad \x")").substr(0, 120) +
                         "\xE2\x80\xA6");
  EXPECT_EQ(r.replaced, 1u);   // the unpaired surrogate, by the general path
  EXPECT_EQ(r.fast_rows, 2u);  // lines 2 and 3
}

TEST(JsonEachRowFastPath, UnicodeIsValidatedInEveryValue) {
  const std::string input = ae(0) + "\n" + ae(1, "\"\xC3\xBCn\xC3\xAF \xF0\x9F\x98\x80\"") + "\n" +
                            ae(2, "\"ok\xC3\x28\"") + "\n" + ae(3, "\"\xE2\x82\"") + "\n" + ae(4) + "\n";
  // An ill-formed byte in a value the reader does not request counts too: the general path.
  std::string skipped = ae(5);
  skipped.replace(skipped.find("machine_metrics"), 7, "mach\xFF\xFEne");
  const Outcome r = both(kColumns, input + skipped + "\n");
  EXPECT_EQ(r.rows,
            (std::vector<std::string>{row(1, 0), row(2, 1, "\xC3\xBCn\xC3\xAF \xF0\x9F\x98\x80"),
                                      row(3, 2, "ok\xEF\xBF\xBD("), row(4, 3, "\xEF\xBF\xBD"), row(5, 4), row(6, 5)}));
  EXPECT_EQ(r.replaced, 4u);
  EXPECT_EQ(r.fast_rows, 2u);  // lines 2 and 5
}

TEST(JsonEachRowFastPath, NumbersAndNumericStrings) {
  const std::vector<std::string> values = {"0",
                                           "-0",
                                           "-0.0",
                                           "1.5",
                                           "\"1.5\"",
                                           "\"-3e2\"",
                                           "\"nan\"",
                                           "\"inf\"",
                                           "1e2",
                                           "1E-2",
                                           "0.1",
                                           "123456789012345678901234567890",
                                           "9007199254740993",
                                           "0.30000000000000004",
                                           "2.2250738585072014e-308",
                                           "4.9e-324",
                                           "1.7976931348623157e308",
                                           "0.000000000000000000000001",
                                           "12345678901234567.5",
                                           "66106830440486960",
                                           "9999999999999999999",
                                           "-9223372036854775809"};
  std::string input = ae(0) + "\n";
  for (size_t i = 0; i < values.size(); ++i) input += ae(static_cast<int>(i + 1), "\"n\"", values[i]) + "\n";
  const Outcome r = both(kColumns, input);
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.rows.size(), values.size() + 1);
  EXPECT_EQ(r.rows[2], row(3, 2, "n", "-0"));
  EXPECT_EQ(r.rows[4], row(5, 4, "n", "1.5"));
  EXPECT_EQ(r.rows[6], row(7, 6, "n", "-300"));
  EXPECT_EQ(r.rows[14], row(15, 14, "n", "0.30000000000000004"));
  EXPECT_EQ(r.fast_rows, values.size());

  // _sample_interval: integers, integral numbers and such strings, exactly.
  const auto c = cols({"_sample_interval", "blob1"});
  const Outcome i =
      both(c,
           "{\"_sample_interval\":1,\"blob1\":2.50}\n{\"_sample_interval\":-9223372036854775808,\"blob1\":-0}\n"
           "{\"_sample_interval\":1.0e3,\"blob1\":1E+2}\n{\"_sample_interval\":\"100\",\"blob1\":0}\n"
           "{\"_sample_interval\":999999999999999999,\"blob1\":1}\n");
  EXPECT_EQ(i.rows, (std::vector<std::string>{"1|1|2.50", "2|-9223372036854775808|-0", "3|1000|1E+2", "4|100|0",
                                              "5|999999999999999999|1"}));
  EXPECT_EQ(i.fast_rows, 4u);

  // Out of range and not integral: the general path's errors, on the right line.
  EXPECT_EQ(both(kColumns, input + ae(30, "\"n\"", "1e400") + "\n").error,
            "line " + std::to_string(values.size() + 2) + ": \"double1\": expected a number, got 1e400: " +
                ae(30, "\"n\"", "1e400").substr(0, 120) + "\xE2\x80\xA6");
  EXPECT_EQ(both(c, "{\"_sample_interval\":1,\"blob1\":\"a\"}\n{\"_sample_interval\":1.5,\"blob1\":\"a\"}\n").error,
            "line 2: \"_sample_interval\": expected an integer, got 1.5: {\"_sample_interval\":1.5,\"blob1\":\"a\"}");
  EXPECT_EQ(
      both(c, "{\"_sample_interval\":1,\"blob1\":\"a\"}\n{\"_sample_interval\":9223372036854775808,\"blob1\":\"a\"}\n")
          .error,
      "line 2: \"_sample_interval\": expected an integer, got 9223372036854775808: "
      "{\"_sample_interval\":9223372036854775808,\"blob1\":\"a\"}");
  EXPECT_EQ(both(c, "{\"_sample_interval\":1,\"blob1\":\"a\"}\n{\"_sample_interval\":01,\"blob1\":\"a\"}\n").error,
            "line 2: \"_sample_interval\": expected an integer, got 01: {\"_sample_interval\":01,\"blob1\":\"a\"}");
}

TEST(JsonEachRowFastPath, NullIsEmptyForStringsAndAnErrorForNumbers) {
  Outcome r = both(kColumns, ae(0) + "\n" + ae(1, "null") + "\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{row(1, 0), row(2, 1, "")}));
  EXPECT_EQ(r.fast_rows, 1u);
  r = both(kColumns, ae(0) + "\n" + ae(1, "null", "null") + "\n");
  EXPECT_EQ(r.error, "line 2: \"double1\": expected a number, got null: " + ae(1, "null", "null").substr(0, 120) +
                         "\xE2\x80\xA6");
}

TEST(JsonEachRowFastPath, DuplicateKeyLastWins) {
  const auto c = cols({"blob1", "double1"});
  const Outcome r = both(c, R"({"blob1":"a","double1":1,"blob1":"b"})"
                            "\n"
                            R"({"blob1":"c","double1":2,"blob1":"d"})"
                            "\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"1|b|1", "2|d|2"}));
  EXPECT_EQ(r.fast_rows, 1u);
}

TEST(JsonEachRowFastPath, WhiteSpaceAndNestedValuesFallBack) {
  const auto c = cols({"blob1", "double1"});
  const Outcome r = both(c,
                         "{\"blob1\":\"a\",\"double1\":1}\n"
                         "{\"blob1\": \"b\",\"double1\":2}\n"
                         " {\"blob1\":\"c\",\"double1\":3}\n"
                         "{\"blob1\":\"d\",\"double1\":4} \n"
                         "{\"blob1\":\"e\",\"double1\":5}\t\r\n"
                         "{\"blob1\":\"f\",\"double1\":[6]}\n"
                         "{\"blob1\":\"g\",\"double1\":7}\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"1|a|1", "2|b|2", "3|c|3", "4|d|4", "5|e|5"}));
  EXPECT_EQ(r.error, "line 6: \"double1\": expected a number, got an array: {\"blob1\":\"f\",\"double1\":[6]}");
  EXPECT_EQ(r.fast_rows, 0u);
}

TEST(JsonEachRowFastPath, CrlfBlankLinesAndByteOrderMark) {
  const Outcome r = both(kColumns, "\xEF\xBB\xBF" + ae(0) + "\r\n\r\n" + ae(1) + "\r\n  \n" + ae(2) + "\r\n" + ae(3));
  EXPECT_EQ(r.rows, (std::vector<std::string>{row(1, 0), row(3, 1), row(5, 2), row(6, 3)}));
  EXPECT_EQ(r.lines, 6u);
  EXPECT_EQ(r.fast_rows, 3u);
}

TEST(JsonEachRowFastPath, LineSplitAcrossChunksAtEveryPosition) {
  const std::string input = ae(0) + "\n" + ae(1, R"("a\"b")") + "\r\n" + ae(2, "\"\xC3\xA9\"") + "\n" + ae(3);
  const std::vector<std::string> expected = {row(1, 0), row(2, 1, "a\"b"), row(3, 2, "\xC3\xA9"), row(4, 3)};
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    const Outcome r = both(kColumns, input, {cut});
    ASSERT_EQ(r.rows, expected) << "cut at " << cut;
    ASSERT_EQ(r.fast_rows, 3u) << "cut at " << cut;
  }
  std::vector<size_t> bytes;
  for (size_t i = 1; i < input.size(); ++i) bytes.push_back(i);
  const Outcome r = both(kColumns, input, bytes);
  EXPECT_EQ(r.rows, expected);
  EXPECT_EQ(r.fast_rows, 3u);
}

TEST(JsonEachRowFastPath, ErrorsOnFastPathShapedLinesNameTheirLine) {
  const std::string bad_day = ae(1);
  std::string bad = bad_day;
  bad.replace(bad.find("2026-02-03"), 10, "2026-02-30");
  Outcome r = both(kColumns, ae(0) + "\n\n" + ae(1) + "\n" + bad + "\n" + ae(2) + "\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{row(1, 0), row(3, 1)}));
  EXPECT_EQ(r.error, "line 4: \"timestamp\": expected \"YYYY-MM-DD hh:mm:ss\", got \"2026-02-30 00:00:01\": " +
                         bad.substr(0, 120) + "\xE2\x80\xA6");
  EXPECT_EQ(r.lines, 4u);

  r = both(kColumns, ae(0) + "\n" + ae(1, "\"n\"", "\"abc\"") + "\n");
  EXPECT_EQ(r.error, "line 2: \"double1\": expected a number, got \"abc\": " +
                         ae(1, "\"n\"", "\"abc\"").substr(0, 120) + "\xE2\x80\xA6");
  r = both(kColumns, ae(0) + "\n" + ae(1, "true") + "\n");
  EXPECT_EQ(r.error,
            "line 2: \"blob5\": expected a string, got true: " + ae(1, "true").substr(0, 120) + "\xE2\x80\xA6");
  // Cut short: inside a string, after the last value.
  const std::string line = ae(1);
  r = both(kColumns, ae(0) + "\n" + line.substr(0, 35));
  EXPECT_EQ(r.error,
            "line 2: truncated at end of input (A string is opened, but never closed.): " + line.substr(0, 35));
  r = both(kColumns, ae(0) + "\n" + line.substr(0, line.size() - 1) + "\n");
  EXPECT_EQ(r.error, "line 2: invalid JSON (JSON document ended early in the middle of an object or array.): " +
                         line.substr(0, 120) + "\xE2\x80\xA6");
  // Trailing content after a fast-path-shaped object.
  r = both(kColumns, ae(0) + "\n" + line + "x\n");
  EXPECT_EQ(r.error, "line 2: trailing content after the object: " + (line + "x").substr(0, 120) + "\xE2\x80\xA6");
}

TEST(JsonEachRowFastPath, LinesThatKeepDeviatingGiveTheSameRows) {
  // Three key orders in turn: every line deviates from the order learned before it (which then
  // pauses after 16 misses in a row); the rows are the general path's throughout.
  const auto c = cols({"blob1", "double1"});
  std::string input;
  std::vector<std::string> expected;
  for (int i = 0; i < 3000; ++i) {
    const std::string b = "\"blob1\":\"x\"", d = "\"double1\":" + std::to_string(i), x = "\"x\":null";
    input += i % 3 == 0   ? "{" + b + "," + d + "," + x + "}\n"
             : i % 3 == 1 ? "{" + d + "," + x + "," + b + "}\n"
                          : "{" + x + "," + b + "," + d + "}\n";
    expected.push_back(std::to_string(i + 1) + "|x|" + std::to_string(i));
  }
  const Outcome r = both(c, input);
  EXPECT_EQ(r.rows, expected);
  EXPECT_EQ(r.fast_rows, 0u);
}

TEST(JsonEachRowFastPath, PausesAfter16MissesInARowThenLearnsAgain) {
  // Lines 1-40 cycle through three key orders, lines 41-3000 keep one. Line 17 is the 16th miss
  // in a row: the fast path sits out until line 1041, learns it, and reads lines 1042-3000.
  const auto c = cols({"blob1", "double1"});
  std::string input;
  for (int i = 0; i < 3000; ++i) {
    const std::string b = "\"blob1\":\"x\"", d = "\"double1\":" + std::to_string(i), x = "\"x\":null";
    const int order = i < 40 ? i % 3 : 0;
    input += order == 0   ? "{" + b + "," + d + "," + x + "}\n"
             : order == 1 ? "{" + d + "," + x + "," + b + "}\n"
                          : "{" + x + "," + b + "," + d + "}\n";
  }
  const Outcome r = both(c, input);
  EXPECT_EQ(r.rows.size(), 3000u);
  EXPECT_EQ(r.fast_rows, 1959u);
}

TEST(JsonEachRowFastPath, EscapesInNumericAndTimestampStringsFallBack) {
  const Outcome r = both(kColumns, ae(0) + "\n" + ae(1, "\"n\"", R"("1\u002e5")") + "\n" +
                                       ae(2).replace(ae(2).find("00:00:02"), 8, R"(00:00\u003a02)") + "\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{row(1, 0), row(2, 1, "n", "1.5"), row(3, 2)}));
  EXPECT_EQ(r.fast_rows, 0u);
}

TEST(JsonEachRowFastPath, NoColumnsRequested) {
  const Outcome r = both({}, "{}\n{}\n{\"a\":1}\n{\"a\":2}\n{\"a\":{}}\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(r.fast_rows, 1u);  // line 2; line 4 is the second deviation in a row, learned
}

}  // namespace
}  // namespace aesync
