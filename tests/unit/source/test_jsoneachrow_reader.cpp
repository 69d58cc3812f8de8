#include "source/jsoneachrow_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "row_recorder.h"
#include "util/error.h"

namespace aesync {
namespace {

using K = RawColumn::Kind;

RawColumn col(std::string_view name) { return *RawColumn::parse(name); }

using reader_test::cols;
using reader_test::Recorder;

struct Result {
  std::vector<std::string> rows;
  uint64_t lines = 0;
  uint64_t replaced = 0;
};

// Feeds `input` in chunks ending at `cuts` (ascending offsets), then finishes.
Result read(const std::vector<RawColumn>& c, std::string_view input, const std::vector<size_t>& cuts = {}) {
  Recorder rec(c);
  JsonEachRowReader reader(c, rec);
  size_t pos = 0;
  for (size_t cut : cuts) {
    // Each chunk in its own allocation, so ASan sees any read past a chunk's end.
    std::vector<char> chunk(input.begin() + static_cast<std::ptrdiff_t>(pos),
                            input.begin() + static_cast<std::ptrdiff_t>(cut));
    reader.feed(chunk.data(), chunk.size());
    pos = cut;
  }
  std::vector<char> chunk(input.begin() + static_cast<std::ptrdiff_t>(pos), input.end());
  reader.feed(chunk.data(), chunk.size());
  reader.finish();
  EXPECT_EQ(reader.rows(), rec.rows.size());
  return {rec.rows, reader.lines(), reader.invalid_utf8_replaced()};
}

// The message of the InputError that reading `input` throws ("" if none).
std::string error_of(const std::vector<RawColumn>& c, std::string_view input) {
  try {
    read(c, input);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

const char* kAeLine =
    R"({"_sample_interval":1,"blob1":"org_12","blob2":"proj_7","blob3":"performance-2x","blob4":"resource",)"
    R"("blob5":"","dataset":"machine_metrics","double1":37.5,"double2":61.25,"double3":0,"double4":0,)"
    R"("index1":"m_4f2a9c","timestamp":"2026-02-03 04:05:06"})";

// 2026-02-03 04:05:06 UTC in ms.
constexpr int64_t kTs = 1770091506000;

const std::vector<RawColumn> kAeColumns =
    cols({"timestamp", "index1", "blob1", "blob2", "blob3", "blob4", "blob5", "_sample_interval", "dataset", "double1",
          "double2", "double3", "double4"});

TEST(JsonEachRowReader, AeLine) {
  const auto r = read(kAeColumns, std::string(kAeLine) + "\n");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0],
            "1|1770091506000|m_4f2a9c|org_12|proj_7|performance-2x|resource||1|machine_metrics|37.5|61.25|0|0");
  EXPECT_EQ(r.lines, 1u);
  EXPECT_EQ(r.replaced, 0u);
}

TEST(JsonEachRowReader, KeysInAnyOrderAndSubsetRequested) {
  const auto c = cols({"double2", "timestamp", "blob20"});
  const auto r = read(c,
                      "{\"blob20\":\"z\",\"double2\":-2.5,\"timestamp\":\"1970-01-01 00:00:01\",\"blob2\":\"x\"}\n"
                      "{\"timestamp\":\"1970-01-01 00:00:02\",\"blob20\":\"y\",\"double2\":1e3}\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"1|-2.5|1000|z", "2|1000|2000|y"}));
}

TEST(JsonEachRowReader, NoColumnsRequestedStillChecksObjects) {
  const auto r = read({}, "{}\n{\"a\":1}\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"1", "2"}));
}

TEST(JsonEachRowReader, UnknownKeysIgnored) {
  const auto c = cols({"blob1", "double1"});
  const auto r = read(c, R"({"x":{"blob1":"no","a":[1,{"b":"}]"}]},"blob1":"yes","y":[[],[{}]],"blob10":"n",)"
                         R"("double10":5,"z":null,"t":true,"s":"q\"}","double1":2,"blob":"n","blob0":"n","blob01":"n",)"
                         R"("blob21":"n","index2":"n","Blob1":"n"})"
                         "\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"1|yes|2"}));
}

TEST(JsonEachRowReader, EscapedKeyMatchesItsDecodedName) {
  const auto r = read(cols({"blob1", "timestamp"}),
                      R"({"blob\u0031":"a","\u0074imestamp":"2026-02-03 04:05:06","blob\u00312":"n"})"
                      "\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"1|a|" + std::to_string(kTs)}));
}

TEST(JsonEachRowReader, AllRawColumnNames) {
  std::vector<RawColumn> c = cols({"timestamp", "_sample_interval", "dataset", "index1"});
  std::string line = R"({"timestamp":"2026-02-03 04:05:06","_sample_interval":7,"dataset":"d","index1":"i")";
  std::string expect = "1|" + std::to_string(kTs) + "|7|d|i";
  for (int n = 1; n <= 20; ++n) {
    c.push_back(col("blob" + std::to_string(n)));
    line += ",\"blob" + std::to_string(n) + "\":\"b" + std::to_string(n) + "\"";
    expect += "|b" + std::to_string(n);
  }
  for (int n = 1; n <= 20; ++n) {
    c.push_back(col("double" + std::to_string(n)));
    line += ",\"double" + std::to_string(n) + "\":" + std::to_string(n) + ".5";
    expect += "|" + std::to_string(n) + ".5";
  }
  const auto r = read(c, line + "}\n");
  EXPECT_EQ(r.rows, std::vector<std::string>{expect});
}

TEST(JsonEachRowReader, NumericStrings) {
  const auto c = cols({"_sample_interval", "double1"});
  const auto r = read(c,
                      "{\"_sample_interval\":\"100\",\"double1\":\"1.5\"}\n"
                      "{\"_sample_interval\":1.0,\"double1\":\"-3e2\"}\n"
                      "{\"_sample_interval\":\"2.0\",\"double1\":\"nan\"}\n"
                      "{\"_sample_interval\":\"-4\",\"double1\":\"inf\"}\n"
                      "{\"_sample_interval\":9223372036854775807,\"double1\":\"-inf\"}\n"
                      "{\"_sample_interval\":\"9223372036854775807\",\"double1\":\"0\"}\n"
                      "{\"_sample_interval\":-9223372036854775808,\"double1\":-0.0}\n"
                      "{\"_sample_interval\":1e3,\"double1\":18446744073709551616}\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"1|100|1.5", "2|1|-300", "3|2|nan", "4|-4|inf",
                                              "5|9223372036854775807|-inf", "6|9223372036854775807|0",
                                              "7|-9223372036854775808|-0", "8|1000|1.8446744073709552e+19"}));
}

TEST(JsonEachRowReader, StringColumnsTakeNumbersAsTextAndNullAsEmpty) {
  const auto c = cols({"blob1", "blob2", "dataset"});
  const auto r = read(c, R"({"blob1":123,"blob2":-1.50e3 ,"dataset":null})"
                         "\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"1|123|-1.50e3|"}));
}

TEST(JsonEachRowReader, Escapes) {
  const auto c = cols({"blob1", "blob2", "blob3"});
  const auto r = read(c, R"({"blob1":"a\nb\"c\\d\/e\tf\r\b\f","blob2":"caf\u00e9 \u00E9","blob3":"\ud83d\ude00!"})"
                         "\n");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], "1|a\nb\"c\\d/e\tf\r\b\f|caf\xC3\xA9 \xC3\xA9|\xF0\x9F\x98\x80!");
  EXPECT_EQ(r.replaced, 0u);
}

TEST(JsonEachRowReader, UnpairedSurrogateEscapesBecomeReplacementCharacters) {
  const auto c = cols({"blob1", "blob2", "blob3"});
  const auto r = read(c, R"({"blob1":"a\ud800b","blob2":"\udc00\ud800\n","blob3":"\ud83dx\ud83d\ude00"})"
                         "\n");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0],
            "1|a\xEF\xBF\xBD"
            "b|\xEF\xBF\xBD\xEF\xBF\xBD\n|\xEF\xBF\xBDx\xF0\x9F\x98\x80");
  EXPECT_EQ(r.replaced, 4u);
}

TEST(JsonEachRowReader, InvalidUtf8IsReplaced) {
  const auto c = cols({"blob1"});
  auto one = [&](std::string blob) { return read(c, "{\"blob1\":\"" + blob + "\"}\n"); };

  auto r = one("\xC3\x28");
  EXPECT_EQ(r.rows, std::vector<std::string>{"1|\xEF\xBF\xBD("});
  EXPECT_EQ(r.replaced, 1u);

  // A 4-byte sequence cut after 3 bytes is one maximal subpart.
  r = one("ab\xF0\x9F\x98");
  EXPECT_EQ(r.rows, std::vector<std::string>{"1|ab\xEF\xBF\xBD"});
  EXPECT_EQ(r.replaced, 1u);

  // Unicode ch. 3 (U+FFFD substitution of maximal subparts) example.
  r = one("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64");
  EXPECT_EQ(r.rows, std::vector<std::string>{"1|a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                                             "b\xEF\xBF\xBD"
                                             "c"
                                             "\xEF\xBF\xBD\xEF\xBF\xBD"
                                             "d"});
  EXPECT_EQ(r.replaced, 6u);
}

// Overlong, surrogate and beyond-U+10FFFF forms: each byte is its own maximal subpart.
TEST(JsonEachRowReader, InvalidUtf8EachByteItsOwnSubpart) {
  const std::string f = "\xEF\xBF\xBD";
  const auto r = read(cols({"blob1"}), "{\"blob1\":\"\xE0\x80\xAF|\xED\xA0\x80|\xF4\x90\x80\x80|\xC0\xAF|\xFF\"}\n");
  EXPECT_EQ(r.rows,
            std::vector<std::string>{"1|" + f + f + f + "|" + f + f + f + "|" + f + f + f + f + "|" + f + f + "|" + f});
  EXPECT_EQ(r.replaced, 13u);
}

TEST(JsonEachRowReader, InvalidUtf8CountsAcrossLinesAndInIgnoredKeys) {
  const auto r = read(cols({"blob1"}), "{\"x\xFF\":\"\xFE\",\"blob1\":\"ok\xE2\x82\"}\n{\"blob1\":\"\xE2\x82\xAC\"}\n");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"1|ok\xEF\xBF\xBD", "2|\xE2\x82\xAC"}));
  EXPECT_EQ(r.replaced, 3u);
}

TEST(JsonEachRowReader, BlankLinesCrlfAndLineNumbers) {
  const auto c = cols({"blob1"});
  const auto r = read(c, "\n{\"blob1\":\"a\"}\r\n  \t\r\n\r\n{\"blob1\":\"b\"} \r\n \n{\"blob1\":\"c\"}");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"2|a", "5|b", "7|c"}));
  EXPECT_EQ(r.lines, 7u);
  EXPECT_EQ(error_of(c, "\n\r\n  \n{\"blob2\":1}\n"), "line 4: missing key \"blob1\": {\"blob2\":1}");
}

TEST(JsonEachRowReader, ByteOrderMarkSkipped) {
  const auto c = cols({"blob1"});
  EXPECT_EQ(read(c, "\xEF\xBB\xBF{\"blob1\":\"a\"}\n").rows, std::vector<std::string>{"1|a"});
  EXPECT_EQ(read(c, "\xEF\xBB\xBF\n{\"blob1\":\"a\"}\n").rows, std::vector<std::string>{"2|a"});
  // Only at the start of the input.
  EXPECT_EQ(error_of(c, "{\"blob1\":\"a\"}\n\xEF\xBB\xBF{\"blob1\":\"a\"}\n"),
            "line 2: not a JSON object: \xEF\xBB\xBF{\"blob1\":\"a\"}");
}

TEST(JsonEachRowReader, LastLineWithoutNewline) {
  const auto c = cols({"blob1"});
  const auto r = read(c, "{\"blob1\":\"a\"}\n{\"blob1\":\"b\"}");
  EXPECT_EQ(r.rows, (std::vector<std::string>{"1|a", "2|b"}));
  EXPECT_EQ(r.lines, 2u);
  EXPECT_EQ(read(c, "{\"blob1\":\"a\"}\n   ").rows, std::vector<std::string>{"1|a"});
}

TEST(JsonEachRowReader, TruncatedLastLine) {
  const auto c = cols({"blob1"});
  EXPECT_EQ(error_of(c, "{\"blob1\":\"a\"}\n{\"blob1\":\"b"),
            "line 2: truncated at end of input (A string is opened, but never closed.): {\"blob1\":\"b");
  EXPECT_EQ(error_of(c, "{\"blob1\":\"a\"}\n{\"blob1\":\"b\","),
            "line 2: truncated at end of input (JSON document ended early in the middle of an object or array.): "
            "{\"blob1\":\"b\",");
  // A line cut inside a UTF-8 sequence: the fragment is replaced, then the truncation reported;
  // the message quotes the fragment's bytes.
  EXPECT_EQ(error_of(c, "{\"blob1\":\"\xF0\x9F\x98"),
            "line 1: truncated at end of input (A string is opened, but never closed.): {\"blob1\":\"\\xF0\\x9F\\x98");
  // The same text followed by a newline is simply invalid JSON.
  EXPECT_EQ(error_of(c, "{\"blob1\":\"b\",\n"),
            "line 1: invalid JSON (JSON document ended early in the middle of an object or array.): {\"blob1\":\"b\",");
}

TEST(JsonEachRowReader, ErrorMessages) {
  const auto c = cols({"timestamp", "_sample_interval", "blob1", "double1"});
  const std::string ok_ts = "\"timestamp\":\"2026-02-03 04:05:06\"";
  const std::string rest = ",\"_sample_interval\":1,\"blob1\":\"b\",\"double1\":1}";
  auto with = [&](std::string key, std::string value) {
    std::string l = "{" + ok_ts + rest;
    const auto at = l.find("\"" + key + "\":");
    if (at == std::string::npos) return l;
    const auto vstart = at + key.size() + 3;
    const auto vend = l.find_first_of(",}", vstart);
    return l.replace(vstart, vend - vstart, value);
  };

  EXPECT_EQ(error_of(c, "[1,2]\n"), "line 1: not a JSON object: [1,2]");
  EXPECT_EQ(error_of(c, "hello\n"), "line 1: not a JSON object: hello");
  EXPECT_EQ(error_of(c, "\"{\"\n"), "line 1: not a JSON object: \"{\"");
  EXPECT_EQ(error_of(c, "{\"a\":1,}\n"),
            "line 1: invalid JSON (The JSON document has an improper structure: missing or superfluous commas, "
            "braces, missing keys, etc.): {\"a\":1,}");
  EXPECT_EQ(error_of(c, "{\"a\":\"x\x01\"}\n"),
            "line 1: invalid JSON (Within strings, some characters must be escaped, we found unescaped characters): "
            "{\"a\":\"x\\u0001\"}");
  EXPECT_EQ(error_of(c, "{" + ok_ts + ",\"_sample_interval\":1,\"blob1\":\"b\"}\n"),
            "line 1: missing key \"double1\": {" + ok_ts + ",\"_sample_interval\":1,\"blob1\":\"b\"}");
  EXPECT_EQ(error_of(c, "{}\n"), "line 1: missing key \"timestamp\": {}");

  auto expect_value_error = [&](std::string key, std::string value, std::string reason) {
    const std::string l = with(key, value);
    EXPECT_EQ(error_of(c, l + "\n"), "line 1: " + reason + ": " + l) << l;
  };
  expect_value_error("double1", "\"abc\"", "\"double1\": expected a number, got \"abc\"");
  expect_value_error("double1", "\"\"", "\"double1\": expected a number, got \"\"");
  expect_value_error("double1", "\" 1\"", "\"double1\": expected a number, got \" 1\"");
  expect_value_error("double1", "null", "\"double1\": expected a number, got null");
  expect_value_error("double1", "true", "\"double1\": expected a number, got true");
  expect_value_error("double1", "1e400", "\"double1\": expected a number, got 1e400");
  expect_value_error("double1", "[1]", "\"double1\": expected a number, got an array");
  expect_value_error("timestamp", "\"2026-13-01\"",
                     "\"timestamp\": expected \"YYYY-MM-DD hh:mm:ss\", got \"2026-13-01\"");
  expect_value_error("timestamp", "\"2026-02-30 00:00:00\"",
                     "\"timestamp\": expected \"YYYY-MM-DD hh:mm:ss\", got \"2026-02-30 00:00:00\"");
  expect_value_error("timestamp", "1770091506", "\"timestamp\": expected \"YYYY-MM-DD hh:mm:ss\", got 1770091506");
  expect_value_error("_sample_interval", "1.5", "\"_sample_interval\": expected an integer, got 1.5");
  expect_value_error("_sample_interval", "\"1.5\"", "\"_sample_interval\": expected an integer, got \"1.5\"");
  expect_value_error("_sample_interval", "9223372036854775808",
                     "\"_sample_interval\": expected an integer, got 9223372036854775808");
  expect_value_error("_sample_interval", "null", "\"_sample_interval\": expected an integer, got null");
  expect_value_error("blob1", "true", "\"blob1\": expected a string, got true");
  expect_value_error("blob1", "{\"a\":1}", "\"blob1\": expected a string, got an object");
  expect_value_error("blob1", "nul", "\"blob1\": expected a string, got nul");
  expect_value_error("blob1", "12ab", "\"blob1\": expected a string, got 12ab");
  expect_value_error("blob1", "01", "\"blob1\": expected a string, got 01");

  EXPECT_EQ(error_of(c, "{\"blob1\":\"a\\x\"}\n"),
            "line 1: invalid JSON (Problem while parsing a string): {\"blob1\":\"a\\x\"}");
}

TEST(JsonEachRowReader, TrailingContent) {
  const auto c = cols({"blob1"});
  EXPECT_EQ(error_of(c, "{\"blob1\":\"a\"} x\n"), "line 1: trailing content after the object: {\"blob1\":\"a\"} x");
  EXPECT_EQ(error_of(c, "{\"blob1\":\"a\"}{}\n"), "line 1: trailing content after the object: {\"blob1\":\"a\"}{}");
  EXPECT_EQ(error_of(c, "{\"blob1\":\"}\"}}\n"), "line 1: trailing content after the object: {\"blob1\":\"}\"}}");
  EXPECT_EQ(error_of(c, "{\"blob1\":\"a\"} {\"blob1\""),
            "line 1: trailing content after the object: {\"blob1\":\"a\"} {\"blob1\"");
}

TEST(JsonEachRowReader, ErrorSnippetIsCutAndPrintable) {
  const auto c = cols({"blob1"});
  const std::string long_line = "{\"blob2\":\"" + std::string(200, 'x') + "\"}";
  EXPECT_EQ(error_of(c, long_line + "\n"),
            "line 1: missing key \"blob1\": " + long_line.substr(0, 120) + "\xE2\x80\xA6");
  // Exactly 120 bytes: no ellipsis.
  const std::string exact = "{\"blob2\":\"" + std::string(108, 'x') + "\"}";
  ASSERT_EQ(exact.size(), 120u);
  EXPECT_EQ(error_of(c, exact + "\n"), "line 1: missing key \"blob1\": " + exact);
  // A multi-byte character straddling byte 120 is left out whole.
  const std::string wide = "{\"blob2\":\"" + std::string(109, 'x') + "\xC3\xA9\"}";
  EXPECT_EQ(error_of(c, wide + "\n"),
            "line 1: missing key \"blob1\": {\"blob2\":\"" + std::string(109, 'x') + "\xE2\x80\xA6");
  // Ill-formed UTF-8 is shown as \xNN and control characters as escapes (shown()); the
  // original bytes are quoted.
  EXPECT_EQ(error_of(c, "{\"blob2\":\"\xFF\",\t\"b\":\"\xC2\x85\"}\n"),
            "line 1: missing key \"blob1\": {\"blob2\":\"\\xFF\",\\t\"b\":\"\\u0085\"}");
  // A long offending value is cut too.
  const std::string big = "\"" + std::string(100, 'y') + "\"";
  const std::string l = "{\"blob1\":\"a\",\"double1\":" + big + "}";
  EXPECT_EQ(error_of(cols({"double1"}), l + "\n"), "line 1: \"double1\": expected a number, got " + big.substr(0, 60) +
                                                       "\xE2\x80\xA6: " + l.substr(0, 120) + "\xE2\x80\xA6");
}

TEST(JsonEachRowReader, DuplicateKeyLastWins) {
  const auto r = read(cols({"blob1", "double1"}), R"({"blob1":"a","double1":1,"blob1":"b","double1":2})"
                                                  "\n");
  EXPECT_EQ(r.rows, std::vector<std::string>{"1|b|2"});
}

TEST(JsonEachRowReader, VeryLongLine) {
  const auto c = cols({"blob1", "double1"});
  const std::string blob(1 << 21, 'q');  // 2 MiB
  const std::string input = "{\"double1\":1,\"blob1\":\"" + blob + "\"}\n{\"double1\":2,\"blob1\":\"s\"}\n";
  for (const auto& cuts : {std::vector<size_t>{}, std::vector<size_t>{5, 70000, 1 << 20, input.size() - 3}}) {
    const auto r = read(c, input, cuts);
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0], "1|" + blob + "|1");
    EXPECT_EQ(r.rows[1], "2|s|2");
  }
}

TEST(JsonEachRowReader, DeeplyNestedUnknownValueIsSkipped) {
  const auto c = cols({"blob1"});
  for (size_t depth : {1000u, 100000u}) {
    const std::string input =
        "{\"x\":" + std::string(depth, '[') + std::string(depth, ']') + ",\"blob1\":\"a\"}\n{\"blob1\":\"b\"}\n";
    EXPECT_EQ(read(c, input).rows, (std::vector<std::string>{"1|a", "2|b"})) << depth;
  }
  // Unbalanced nesting is an error, not a crash.
  EXPECT_EQ(error_of(c, "{\"x\":" + std::string(100000, '[') + "}\n"),
            "line 1: invalid JSON (The JSON document has an improper structure: missing or superfluous commas, braces, "
            "missing keys, etc.): {\"x\":" +
                std::string(115, '[') + "\xE2\x80\xA6");
}

TEST(JsonEachRowReader, ConsumerExceptionPropagates) {
  struct Thrower : RowConsumer {
    void on_row(const RawRow& row) override {
      if (row.line == 2) throw InputError("stop at 2");
    }
  } thrower;
  const auto c = cols({"blob1"});
  JsonEachRowReader reader(c, thrower);
  const std::string input = "{\"blob1\":\"a\"}\n{\"blob1\":\"b\"}\n{\"blob1\":\"c\"}\n";
  try {
    reader.feed(input.data(), input.size());
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "stop at 2");
  }
  EXPECT_EQ(reader.rows(), 1u);
  EXPECT_EQ(reader.lines(), 2u);
}

TEST(JsonEachRowReader, RejectsBadColumnLists) {
  Recorder rec({});
  EXPECT_THROW(JsonEachRowReader(cols({"blob1", "blob1"}), rec), std::invalid_argument);
  EXPECT_THROW(JsonEachRowReader({RawColumn{K::Blob, 21}}, rec), std::invalid_argument);
  EXPECT_THROW(JsonEachRowReader({RawColumn{K::Index, 2}}, rec), std::invalid_argument);
}

// An input exercising every path that depends on where chunks end.
std::string chunking_input() {
  std::string s = "\xEF\xBB\xBF";
  s += kAeLine;
  s += "\r\n\n   \n";
  s += R"({"timestamp":"2026-02-03 04:05:07","blob1":"esc \" \\ \u00e9 \ud83d\ude00","x":[{"y":"}"}],)"
       R"("_sample_interval":"100","double1":"1.5","dataset":null,"index1":42,"blob2":"caf)"
       "\xC3\xA9"
       R"(","blob3":"bad )"
       "\xC3\x28"
       R"(","blob4":"","blob5":"\ud800","double2":-0.25,"double3":1e2,"double4":"-inf"})"
       "\r\n";
  for (int i = 0; i < 5; ++i) {
    s += R"({"_sample_interval":)" + std::to_string(i + 1) + R"(,"blob1":"o)" + std::to_string(i) +
         R"(","blob2":"p","blob3":"t","blob4":"process","blob5":"name )" + std::string(i * 30, 'n') +
         R"(","dataset":"machine_metrics","double1":)" + std::to_string(i) +
         R"(,"double2":0.5,"double3":3,"double4":4,"index1":"m","timestamp":"2026-02-03 04:05:0)" + std::to_string(i) +
         "\"}\n";
  }
  s += kAeLine;  // no trailing newline
  return s;
}

std::vector<std::string> chunking_expected() {
  const std::string ae =
      "|1770091506000|m_4f2a9c|org_12|proj_7|performance-2x|resource||1|machine_metrics|37.5|61.25|0|0";
  std::vector<std::string> rows = {"1" + ae};
  rows.push_back(
      "4|1770091507000|42|esc \" \\ \xC3\xA9 \xF0\x9F\x98\x80|caf\xC3\xA9|bad \xEF\xBF\xBD(||\xEF\xBF\xBD|100||"
      "1.5|-0.25|100|-inf");
  for (int i = 0; i < 5; ++i) {
    rows.push_back(std::to_string(5 + i) + "|" + std::to_string(kTs - 6000 + i * 1000) + "|m|o" + std::to_string(i) +
                   "|p|t|process|name " + std::string(i * 30, 'n') + "|" + std::to_string(i + 1) + "|machine_metrics|" +
                   std::to_string(i) + "|0.5|3|4");
  }
  rows.push_back("10" + ae);
  return rows;
}

TEST(JsonEachRowReader, WholeInput) {
  const auto r = read(kAeColumns, chunking_input());
  EXPECT_EQ(r.rows, chunking_expected());
  EXPECT_EQ(r.lines, 10u);
  EXPECT_EQ(r.replaced, 2u);
}

TEST(JsonEachRowReader, EverySplitPosition) {
  const std::string input = chunking_input();
  const auto expected = chunking_expected();
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    const auto r = read(kAeColumns, input, {cut});
    ASSERT_EQ(r.rows, expected) << "cut at " << cut;
    ASSERT_EQ(r.replaced, 2u) << "cut at " << cut;
    ASSERT_EQ(r.lines, 10u) << "cut at " << cut;
  }
}

TEST(JsonEachRowReader, OneByteChunks) {
  const std::string input = chunking_input();
  std::vector<size_t> cuts;
  for (size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  const auto r = read(kAeColumns, input, cuts);
  EXPECT_EQ(r.rows, chunking_expected());
  EXPECT_EQ(r.replaced, 2u);
}

TEST(JsonEachRowReader, RandomChunks) {
  const std::string input = chunking_input();
  const auto expected = chunking_expected();
  std::mt19937 rng(20260203);
  for (int round = 0; round < 300; ++round) {
    std::uniform_int_distribution<size_t> step(0, round % 3 == 0 ? 8 : 200);
    std::vector<size_t> cuts;
    for (size_t at = step(rng); at < input.size(); at += step(rng)) cuts.push_back(at);
    const auto r = read(kAeColumns, input, cuts);
    ASSERT_EQ(r.rows, expected) << "round " << round;
  }
}

TEST(JsonEachRowReader, EmptyChunksAndEmptyInput) {
  const auto c = cols({"blob1"});
  const auto r = read(c, "", {0, 0});
  EXPECT_TRUE(r.rows.empty());
  EXPECT_EQ(r.lines, 0u);
  EXPECT_EQ(read(c, "{\"blob1\":\"a\"}\n", {0, 0, 14, 14}).rows, std::vector<std::string>{"1|a"});
}

}  // namespace
}  // namespace aesync
