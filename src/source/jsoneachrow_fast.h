// JSONEachRow fast path: the JSONEachRow reader's shortcut for lines whose keys come in one fixed
// order, as AE's SQL API writes them ({"_sample_interval":1,"blob1":"...",...,"timestamp":"..."}).
//
// Contract: learn() takes the key sequence (every key, requested or not, in order) of a line the
// general path (simdjson) has just read without error. read() then reads a line only when it
// repeats that sequence in a shape whose meaning is certain without a JSON parser (every line AE
// writes): `{"k1":v1,...,"kn":vn}` with no white space anywhere; each key byte for byte as
// learned; each value a string without control characters, ill-formed UTF-8 or unpaired
// surrogate escapes (the general path turns those into U+FFFD and counts them), a number in the
// strict RFC 8259 grammar, true, false or null; and each requested value one the rules of
// jsoneachrow_reader.h read without error: a string or number for a string column (null: ""), a
// number or numeric string without escapes for doubleN and _sample_interval (read by the
// functions the general path uses, or by an exact shortcut giving the same value), a timestamp
// string without escapes parse_timestamp_ms accepts. Anything else (another key, an extra or
// missing key, an object or array, white space, a value the general path would refuse) makes
// read() return nullptr, and the reader gives the line, unchanged, to the general path: the
// fast path never reports an error, never replaces invalid UTF-8, and every row it delivers is
// the row the general path would deliver for that line (fuzz/jsoneachrow.cpp compares the two).
//
// read() never reads at or past `end`, so it runs on a line inside the caller's chunk without a
// padded copy and without finding the line's end first: a fast-path line has no '\n' inside (no
// control character passes), so its end is the byte after the closing '}'.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "schema/raw_row.h"
#include "schema/schema.h"

namespace aesync::jsoneachrow {

class FastPath {
 public:
  //! Learns the key sequence of `line` (a line the general path read without error);
  //! `column_of_key` gives the index of a key among `columns` (the requested raw columns), or -1.
  //! Returns false, and forgets any earlier sequence, when the line is not of the shape read()
  //! takes (white space, an escape or non-ASCII byte in a key, a nested value...) or lacks a
  //! requested column.
  bool learn(std::string_view line, const std::vector<RawColumn>& columns,
             const std::function<int(std::string_view)>& column_of_key);
  void forget() { ready_ = false; }
  bool ready() const { return ready_; }

  //! Reads the line starting at `p` into `values`; never reads at or past `end`. Returns one
  //! past the line's closing '}', or nullptr when the line is not one the fast path reads (then
  //! `values` may hold partial results). `at_end` tells whether that was because the scan reached
  //! `end` (a line that may continue in the next chunk). String values are views into the line,
  //! or into this object for strings with escapes: valid until the next read().
  const char* read(const char* p, const char* end, RawValue* values, bool& at_end);

 private:
  enum class Action : uint8_t { Skip, String, Double, Integer, Timestamp };
  struct Entry {
    // The text before the value: '{' or ',', then "key":. Up to 16 bytes are compared as two
    // masked words (literal/mask), longer ones with memcmp (texts_ from text_offset).
    uint64_t literal[2] = {0, 0};
    uint64_t mask[2] = {0, 0};
    uint32_t text_offset = 0;
    uint32_t text_size = 0;
    Action action = Action::Skip;
    uint32_t column = 0;  // index into values, unless action is Skip
  };

  // Reads one value at p as `action` says into `out`; returns one past it, or nullptr.
  // `unescaped_used`: bytes of unescaped_ taken by this line's strings so far.
  const char* read_value(Action action, const char* p, const char* end, RawValue& out, size_t& unescaped_used,
                         bool& at_end);
  bool read_timestamp(std::string_view s, int64_t& ms);

  std::vector<Entry> entries_;
  std::string texts_;  // the entries' texts, one after another (reused: learning allocates once warm)
  bool ready_ = false;
  std::unique_ptr<char[]> unescaped_;  // decoded strings of the current line (kUnescapedCapacity)
  char date_[10] = {};                 // the date part of the last timestamp read, and its day
  int64_t date_ms_ = 0;
};

}  // namespace aesync::jsoneachrow
