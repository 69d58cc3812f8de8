// JSONEachRow streaming reader: AE query output (one JSON object per line) in, raw rows out.
//
// Input arrives in chunks of any size (a file read, a socket); a line may span chunks. For each
// complete line the reader extracts the requested raw columns (keys in any order, unknown keys
// ignored) and hands one RawRow to the consumer. Values are typed by the raw column's kind:
// timestamp -> ms since epoch (AE's "YYYY-MM-DD hh:mm:ss", UTC), _sample_interval -> int64,
// doubleN -> double, dataset/index1/blobN -> string; numbers may arrive as numeric strings.
// Invalid UTF-8 inside a line is replaced with U+FFFD and counted. Blank lines are skipped;
// "\r\n" line ends are accepted.
//
// Errors (InputError) read `line N: <reason>: <first 120 bytes of the line>`: a line that is
// not a JSON object, a requested key that is missing, a value of the wrong kind, an input that
// ends inside a line (finish(): a last line without '\n' is fine when it is a whole object).
// The quoted line (and a quoted value, its first 60 bytes) is shown as util/text.h's shown()
// shows untrusted text: control characters as \n, \t, \r or \u00XX, ill-formed UTF-8 bytes as
// \xNN, registered secrets as "***", a cut marked with "…".
//
// Details: line numbers count every line, blank ones included; a UTF-8 BOM opening the input is
// skipped. A requested key given twice: the last one wins. Values of unknown keys are skipped,
// not validated, at any nesting depth. null reads as "" for a string column and is an error for
// a numeric one; a JSON number for a string column reads as its text. doubleN also takes
// numeric strings ("1.5", "-3e2", "inf", "-inf", "nan"); _sample_interval takes integers,
// integral numbers (1.0, 1e2) and such strings ("100"), read exactly: a value that is not an
// integer (0.5, 1e-400) or not in int64 (9223372036854775808, 1e30) is an error, never a
// rounded value. doubleN out of double range (1e400) is an error. Unpaired \uD800-\uDFFF
// escapes in a requested string also become U+FFFD and are counted with the invalid UTF-8. A
// string_view in a RawRow is valid only during on_row. After an exception the reader must not
// be fed again.
//
// Fast path (jsoneachrow_fast.h): from the first line read without error, the reader learns the
// key sequence (AE writes every line's keys in one order) and reads each following line that
// repeats it byte for byte, with no white space, escapes, nested values or ill-formed UTF-8,
// directly, without simdjson and without a copy. Any other line goes to the general path
// unchanged (and its key order is learned in turn), so rows, errors, line numbers and the
// U+FFFD count are exactly the general path's; only the speed differs.
//
// Memory: the longest line plus one chunk. No heap allocation per row once warmed up.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "schema/raw_row.h"
#include "schema/schema.h"

namespace aesync {

class JsonEachRowReader {
 public:
  //! `columns`: the raw columns to extract, in the order RawRow will hold them (each at most
  //! once; std::invalid_argument otherwise).
  JsonEachRowReader(std::vector<RawColumn> columns, RowConsumer& consumer);
  ~JsonEachRowReader();
  JsonEachRowReader(const JsonEachRowReader&) = delete;
  JsonEachRowReader& operator=(const JsonEachRowReader&) = delete;

  //! Consumes a chunk of input; calls the consumer for every line it completes.
  void feed(const char* data, size_t size);
  //! Ends the input: a last line without '\n' is processed; throws if it is incomplete JSON.
  void finish();

  uint64_t rows() const;                   //!< rows delivered so far
  uint64_t lines() const;                  //!< lines seen so far (blank ones included)
  uint64_t invalid_utf8_replaced() const;  //!< U+FFFD substitutions made so far
  uint64_t fast_path_rows() const;         //!< rows of those read by the fast path (the rest: simdjson)

  //! Whether the fast path may read lines (default true). Results are the same either way; tests,
  //! the fuzz target and the micro-benchmark turn it off to compare with the general path alone.
  void use_fast_path(bool enabled);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aesync
