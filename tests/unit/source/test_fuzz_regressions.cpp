// Inputs found by fuzz/jsoneachrow.cpp that broke a property of the JSONEachRow reader, each fed
// as the fuzzer fed it, with the outcome asserted exactly.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "schema/schema.h"
#include "source/jsoneachrow_reader.h"
#include "util/error.h"

namespace aesync {
namespace {

class CountRows : public RowConsumer {
 public:
  void on_row(const RawRow&) override { ++rows; }
  uint64_t rows = 0;
};

struct Outcome {
  uint64_t rows = 0;
  std::string error;
};

// Feeds `text` in chunks of `chunk` bytes (each its own allocation), then finishes.
Outcome read(const std::vector<RawColumn>& columns, std::string_view text, size_t chunk) {
  CountRows consumer;
  JsonEachRowReader reader(columns, consumer);
  Outcome out;
  try {
    for (size_t pos = 0; pos < text.size(); pos += chunk) {
      const size_t n = std::min(chunk, text.size() - pos);
      std::unique_ptr<char[]> copy(new char[n]);
      std::memcpy(copy.get(), text.data() + pos, n);
      reader.feed(copy.get(), n);
    }
    reader.finish();
  } catch (const InputError& e) {
    out.error = e.what();
  }
  out.rows = consumer.rows;
  return out;
}

constexpr const char* kTapeError =
    "invalid JSON (The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, "
    "etc.)";

// Found 2026-11-25 (crash-16a109b5b30e1be53e41851c0393ba3a9b97821d, column set 0 = the built-in
// mapping's raw columns, chunk seed 9). Line 2 is malformed ("...":"machine_metrnterval":1 has a
// ':' after a value) and is the input's last line, so it is parsed in the carry buffer. Fed in
// small chunks, that buffer had held line 1, one byte longer, whose '}' was left just past line
// 2's end; simdjson On Demand looked at that byte and the error read "trailing content after the
// object" instead of the one-chunk run's "invalid JSON". The padding is now reset to spaces.
TEST(JsonEachRowFuzzRegressions, StalePaddingChangedTheErrorOfAMalformedLine) {
  const std::string text =
      "{\"_sample_interval\":1,\"blob1\":\"org_5\",\"blob2\":\"proj_\x9E"
      "6\",\"blob3\":\"perform"
      "ance-4x\",\"blob4\":\"process\",\"blob5\":\"postgres\",\"dataset\":\"machine_metrics\",\"d"
      "ouble1\":13.3,\"double2\":3.59,\"double3\":34,\"double4\":0,\"index1\":\"m_5307e0\",\"time"
      "stamp\":\"2026-02-03 00:02:16\"}\n{\"_samplu_interval\":1,\"blob1\":\"org_5\",\"blob2\":\""
      "proj_6\",\"blob3\":\"performance-4x\",\"blob4\":\"process\",\"blob5\":\"postgres\",\"datas"
      "et\":\"machine_metrnterval\":1,\"blob1\":\"org_5\",\"blob2\":\"pruble3\":34,\"double4\":0,"
      "\"index1\":\"m_5307e0\",\"timestamp\":\"2026-02-03 00:02:16\"}";
  ASSERT_EQ(text.size(), 510u);
  const std::string expected =
      std::string("line 2: ") + kTapeError +
      ": {\"_samplu_interval\":1,\"blob1\":\"org_5\",\"blob2\":\"proj_6\",\"blob3\":\"performance-4x\","
      "\"blob4\":\"process\",\"blob5\":\"postgres\",\"da\xE2\x80\xA6";
  const auto columns = Schema::builtin_machine_metrics().raw_columns();
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{300}, text.size()}) {
    const Outcome o = read(columns, text, chunk);
    EXPECT_EQ(o.rows, 1u) << "chunks of " << chunk;
    EXPECT_EQ(o.error, expected) << "chunks of " << chunk;
  }
}

// The same defect reduced: line 1 is exactly one byte longer than line 2 and ends in '}'.
TEST(JsonEachRowFuzzRegressions, StalePaddingReduced) {
  const std::string text =
      "{\"p\":\"aaaaaaaaaaaaaaaaaaaaa\",\"timestamp\":\"2026-02-03 00:00:00\"}\n"
      "{\"_sampblob2\":\"prruble3\":34,\"timestamp\":\"2026-02-03 00:02:16\"}\n";
  ASSERT_EQ(text.find('\n'), 63u);  // line 2 is 62 bytes: line 1's '}' sits just past its end
  const std::string expected =
      std::string("line 2: ") + kTapeError + ": {\"_sampblob2\":\"prruble3\":34,\"timestamp\":\"2026-02-03 00:02:16\"}";
  for (size_t chunk : {size_t{1}, size_t{5}, text.size()}) {
    const Outcome o = read({}, text, chunk);
    EXPECT_EQ(o.rows, 1u) << "chunks of " << chunk;
    EXPECT_EQ(o.error, expected) << "chunks of " << chunk;
  }
}

// Found 2026-12-06 by the fast-path/general-path comparison (crash-59af8c64..., column set 0,
// seed 7: AE lines whose double2 is 0.1000000000000000055511151231257827). simdjson 3.0.1
// (Debian 12's) reads some numbers of more than 19 digits wrongly (simdjson issue #2093): the
// general path gave 4.1451611863681792e-16 where the fast path's std::from_chars gave 0.1. Both
// paths now give the correctly rounded value.
TEST(JsonEachRowFuzzRegressions, NumbersOfMoreThan19DigitsAreReadExactly) {
  struct Doubles : RowConsumer {
    void on_row(const RawRow& row) override { values.push_back(row[0].d); }
    std::vector<double> values;
  };
  const std::string text =
      "{\"double1\":0.1000000000000000055511151231257827}\n{\"double1\":0.95000000000000000000}\n"
      "{\"double1\":0.1000000000000000055511151231257827}\n{\"double1\":12345678901234567890123}\n"
      "{\"double1\":-0.000000000000000000000000000000000001e36}\n";
  const auto columns = std::vector<RawColumn>{*RawColumn::parse("double1")};
  for (bool fast : {false, true}) {
    Doubles consumer;
    JsonEachRowReader reader(columns, consumer);
    reader.use_fast_path(fast);
    reader.feed(text.data(), text.size());
    reader.finish();
    EXPECT_EQ(consumer.values, (std::vector<double>{0.1, 0.95, 0.1, 12345678901234567890123.0, -1.0})) << fast;
    EXPECT_EQ(reader.fast_path_rows(), fast ? 4u : 0u);
  }
}

}  // namespace
}  // namespace aesync
