// Fuzz target: the JSONEachRow reader (src/source/jsoneachrow_reader.h) on hostile input.
//
// Input: byte 0 picks the raw columns requested (the built-in mapping's, all 44, timestamp
// only, a mixed set, none); byte 1 seeds the chunk sizes (0: one chunk); the rest is the
// JSONEachRow text. The text is read three times: in one chunk by the general (simdjson) path
// alone, in one chunk with the fast path for a fixed key order on, then in fuzzer-chosen chunks
// (each its own exact-size heap allocation, so ASan sees any read past a chunk) with the fast path
// on, each run ending with finish(). A consumer touches every RawValue.
//
// Bugs (the input is recorded as a crash): any exception other than aesync::InputError, a
// sanitizer report, and these broken properties:
// - a delivered string value is not well-formed UTF-8 (invalid input must come out replaced);
// - rows arrive with the wrong size, non-increasing line numbers, or rows() disagrees;
// - an InputError message does not start "line N: " with N = lines(), is not valid UTF-8, or
//   holds a control character (messages reach logs);
// - the fast-path run's outcome (rows, values, error message, lines(), the U+FFFD count)
//   differs from the general path's: the fast path must only take lines it reads identically;
// - the chunked run's outcome differs from the one-chunk run's: chunk boundaries must not matter.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "schema/raw_row.h"
#include "schema/schema.h"
#include "source/jsoneachrow_reader.h"
#include "util/error.h"

namespace {

using aesync::RawColumn;

std::vector<RawColumn> parse_all(std::initializer_list<const char*> names) {
  std::vector<RawColumn> out;
  for (const char* n : names) out.push_back(*RawColumn::parse(n));
  return out;
}

std::vector<RawColumn> all_raw_columns() {
  std::vector<std::string> names = {"timestamp", "_sample_interval", "dataset", "index1"};
  for (int i = 1; i <= 20; ++i) names.push_back("blob" + std::to_string(i));
  for (int i = 1; i <= 20; ++i) names.push_back("double" + std::to_string(i));
  std::vector<RawColumn> out;
  for (const std::string& n : names) out.push_back(*RawColumn::parse(n));
  return out;
}

const std::vector<std::vector<RawColumn>>& column_sets() {
  static const std::vector<std::vector<RawColumn>> sets = {
      aesync::Schema::builtin_machine_metrics().raw_columns(),
      all_raw_columns(),
      parse_all({"timestamp"}),
      parse_all({"blob1", "double1", "_sample_interval", "index1", "dataset", "timestamp"}),
      {},
  };
  return sets;
}

class Consumer : public aesync::RowConsumer {
 public:
  explicit Consumer(const std::vector<RawColumn>& columns) : columns_(columns) {}

  void on_row(const aesync::RawRow& row) override {
    fuzz::check(row.size == columns_.size(), "row size differs from the columns requested");
    fuzz::check(row.size == 0 || row.values != nullptr, "row without values");
    fuzz::check(row.line > last_line_, "line numbers must increase");
    last_line_ = row.line;
    digest.add_value(row.line);
    for (size_t i = 0; i < row.size; ++i) {
      const aesync::RawValue& v = row[i];
      if (columns_[i].is_string()) {
        fuzz::check(v.s.data() != nullptr, "string value with a null data pointer");
        fuzz::check(fuzz::is_valid_utf8(v.s), "string value is not valid UTF-8", v.s);
        digest.add(v.s);  // reads every byte: ASan checks the view
      } else if (columns_[i].kind == RawColumn::Kind::Double) {
        digest.add_value(v.d);
      } else {
        digest.add_value(v.i);
      }
    }
    ++rows;
  }

  fuzz::Digest digest;
  uint64_t rows = 0;

 private:
  const std::vector<RawColumn>& columns_;
  uint64_t last_line_ = 0;
};

struct Outcome {
  uint64_t digest = 0;
  uint64_t rows = 0;
  uint64_t lines = 0;
  uint64_t replaced = 0;
  std::string error;  // empty: the whole input was read
};

// Feeds `text` in chunks of the sizes `rng` draws (no rng: one chunk), then finish().
Outcome run(const std::vector<RawColumn>& columns, std::string_view text, fuzz::Rng* rng, uint32_t max_chunk,
            bool fast_path) {
  Consumer consumer(columns);
  aesync::JsonEachRowReader reader(columns, consumer);
  reader.use_fast_path(fast_path);
  Outcome out;
  try {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t n = text.size() - pos;
      if (rng) {
        const uint32_t r = rng->next();
        if (r % 23 == 0) {
          reader.feed(nullptr, 0);  // an empty read
          continue;
        }
        n = std::min<size_t>(n, 1 + r % max_chunk);
      }
      // Its own allocation of exactly n bytes: the reader may not read past a chunk.
      std::unique_ptr<char[]> chunk(new char[n]);
      std::memcpy(chunk.get(), text.data() + pos, n);
      reader.feed(chunk.get(), n);
      pos += n;
    }
    reader.finish();
  } catch (const aesync::InputError& e) {
    out.error = e.what();
    const std::string prefix = "line " + std::to_string(reader.lines()) + ": ";
    fuzz::check(out.error.compare(0, prefix.size(), prefix) == 0, "InputError does not start with line N", out.error);
    fuzz::check(fuzz::is_valid_utf8(out.error), "InputError message is not valid UTF-8", out.error);
    fuzz::check(!fuzz::has_control(out.error), "InputError message holds a control character", out.error);
  }
  fuzz::check(reader.rows() == consumer.rows, "rows() differs from the rows delivered");
  fuzz::check(fast_path || reader.fast_path_rows() == 0, "the fast path read rows while turned off");
  out.digest = consumer.digest.h;
  out.rows = reader.rows();
  out.lines = reader.lines();
  out.replaced = reader.invalid_utf8_replaced();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const auto& sets = column_sets();
  const std::vector<RawColumn>& columns = sets[data[0] % sets.size()];
  const uint8_t seed = data[1];
  const std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);

  const Outcome general = run(columns, text, nullptr, 0, false);
  const Outcome whole = run(columns, text, nullptr, 0, true);
  if (whole.error != general.error)
    fuzz::check(false, "the fast path changed the error", "general: " + general.error + "\nfast: " + whole.error);
  fuzz::check(whole.digest == general.digest && whole.rows == general.rows, "the fast path changed the rows read");
  fuzz::check(whole.lines == general.lines, "the fast path changed lines()");
  fuzz::check(whole.replaced == general.replaced, "the fast path changed invalid_utf8_replaced()");
  if (seed == 0) return 0;
  // Small chunks for seeds below 128 (1..64 bytes), larger ones above (up to 4 KiB).
  const uint32_t max_chunk = seed < 128 ? 1 + seed % 64 : 64 * (1 + seed % 64);
  fuzz::Rng rng(seed * 2654435761u);
  const Outcome chunked = run(columns, text, &rng, max_chunk, true);
  if (chunked.error != whole.error)
    fuzz::check(false, "chunking changed the error", "one chunk: " + whole.error + "\nchunked: " + chunked.error);
  fuzz::check(chunked.digest == whole.digest && chunked.rows == whole.rows, "chunking changed the rows read");
  fuzz::check(chunked.lines == whole.lines, "chunking changed lines()");
  fuzz::check(chunked.replaced == whole.replaced, "chunking changed invalid_utf8_replaced()");
  return 0;
}
