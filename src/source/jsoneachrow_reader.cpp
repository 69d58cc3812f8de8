// JSONEachRow reader: line assembly over chunks, simdjson On Demand per line, typed extraction.
// The value-level rules (exact integers, lenient string decoding) are in jsoneachrow_values.h.
//
// Decisions (the header states the contract; these are the details):
// - The fast path (jsoneachrow_fast.h) is tried first on every line once a key order is learned,
//   directly in the chunk: it finds the line's end itself, so memchr, the padded copy and
//   simdjson run only for the lines it leaves. A line it leaves is "missed"; the order is learned
//   again from the second missed line in a row (one odd line keeps it), and after 16 misses in a
//   row the fast path sits out 1024 lines; a line that cannot be learned delays the next try by
//   64 lines. Input the fast path does not fit costs at most about 16 attempts in 1040 lines.
// - Lines are parsed in place inside the caller's chunk when at least SIMDJSON_PADDING bytes of
//   that chunk follow the line (simdjson reads bytes past the end; there the first one is the
//   line's '\n' or '\r'); lines near the end of a chunk are copied into a reused padded scratch
//   buffer, and a line spanning chunks is assembled in the padded carry buffer and parsed there.
//   The padding of those buffers is reset to spaces before each parse: On Demand may interpret
//   the byte just past a malformed line, and a stale '}' of a longer earlier line changed the
//   error reported (found by fuzz/jsoneachrow.cpp).
// - simdjson validates UTF-8 in stage 1. Only when it reports UTF8_ERROR is the line copied with
//   every maximal ill-formed subsequence replaced by U+FFFD (Unicode "substitution of maximal
//   subparts") and parsed again, so valid input pays for one validation, not two. An unpaired
//   \uD800-\uDFFF escape in a requested string value is likewise decoded as U+FFFD and counted.
// - Keys are matched on their raw bytes with a switch on the first byte and fixed-size compares
//   (no unescaping, no hashing); only a key that matches nothing and holds an escape is decoded
//   and matched again.
// - A requested key that appears twice: the last occurrence wins (as with most JSON readers).
// - Values of unknown keys are skipped structurally (brackets balanced, strings closed), not
//   validated, and without a depth limit: deeply nested unknown values are skipped, not errors.
// - simdjson 3.0.1 (Debian 12's) misreads some numbers of more than 19 digits (simdjson issue
//   #2093: 0.95000000000000000000 read as 0.0277; found by fuzz/jsoneachrow.cpp comparing with
//   the fast path), so a doubleN token longer than 19 bytes is re-read with std::from_chars
//   (correctly rounded), keeping simdjson's value only where from_chars refuses it (out of range).
// - Numbers: doubleN takes a JSON number or a numeric string (parse_double_text);
//   _sample_interval takes a number or numeric string that denotes an integer exactly
//   (parse_exact_int64). null is an error for numeric columns, "" for string columns; a JSON
//   number for a string column gives its text as written. timestamp must be a string
//   parse_timestamp_ms accepts.
// - Error messages quote the line and the offending value through shown() (util/text.h), which
//   runs only once an error is certain: the per-line path never formats text.
#include "source/jsoneachrow_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "source/jsoneachrow_fast.h"
#include "source/jsoneachrow_values.h"
#include "util/error.h"
#include "util/text.h"
#include "util/time.h"
#include "util/utf8.h"

namespace aesync {

namespace {

namespace od = simdjson::ondemand;
using jsoneachrow::is_digit;
using jsoneachrow::is_json_number;
using jsoneachrow::is_json_space;
using jsoneachrow::object_extent;
using jsoneachrow::parse_double_text;
using jsoneachrow::parse_exact_int64;
using jsoneachrow::trim_right;
using jsoneachrow::unescape_lenient;

constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;
constexpr size_t kSnippetBytes = 120;           // bytes of the line quoted in an error
constexpr size_t kGotBytes = 60;                // bytes of an offending value quoted in an error
constexpr size_t kInitialCapacity = 64 * 1024;  // parser capacity before any line is seen
constexpr size_t kMaxKeyLength = 16;            // "_sample_interval", the longest raw column name
constexpr size_t kSimdjsonExactDigits = 19;     // longer number tokens are re-read by std::from_chars
constexpr uint32_t kFastMissesInARow = 16;      // fast-path misses in a row before it pauses
constexpr uint64_t kFastPauseLines = 1024;      // lines the fast path then sits out
constexpr uint64_t kLearnRetryLines = 64;       // lines to wait after a line could not be learned
constexpr std::string_view kEmpty{"", 0};       // non-null: consumers may memcpy from it

// Canonical slots of the raw columns: timestamp, _sample_interval, dataset, index1,
// blob1..20, double1..20.
constexpr int kSlotTimestamp = 0;
constexpr int kSlotSampleInterval = 1;
constexpr int kSlotDataset = 2;
constexpr int kSlotIndex1 = 3;
constexpr int kSlotBlob0 = 3;     // blobN -> kSlotBlob0 + N
constexpr int kSlotDouble0 = 23;  // doubleN -> kSlotDouble0 + N
constexpr int kSlots = 44;

int slot_of(RawColumn c) {
  using K = RawColumn::Kind;
  switch (c.kind) {
    case K::Timestamp: return kSlotTimestamp;
    case K::SampleInterval: return kSlotSampleInterval;
    case K::Dataset: return kSlotDataset;
    case K::Index: return c.number == 1 ? kSlotIndex1 : -1;
    case K::Blob: return c.number >= 1 && c.number <= 20 ? kSlotBlob0 + c.number : -1;
    case K::Double: return c.number >= 1 && c.number <= 20 ? kSlotDouble0 + c.number : -1;
  }
  return -1;
}

// "1".."20" written without leading zero, as the two-character tail of blobNN/doubleNN or a
// single digit; returns 0 when it is not one.
inline int number_1_to_20(const char* s, size_t n) {
  if (n == 1) return s[0] >= '1' && s[0] <= '9' ? s[0] - '0' : 0;
  if (n == 2 && is_digit(s[1]) && (s[0] == '1' || (s[0] == '2' && s[1] == '0')))
    return (s[0] - '0') * 10 + (s[1] - '0');
  return 0;
}

// The slot of a raw column name, or -1. A switch on the length keeps this to one or two
// memcmp of constant size per key.
inline int slot_of_name(const char* k, size_t n) {
  switch (n) {
    case 5:
    case 6:
      if (std::memcmp(k, "blob", 4) == 0) {
        const int num = number_1_to_20(k + 4, n - 4);
        return num ? kSlotBlob0 + num : -1;
      }
      return n == 6 && std::memcmp(k, "index1", 6) == 0 ? kSlotIndex1 : -1;
    case 7:
      if (std::memcmp(k, "dataset", 7) == 0) return kSlotDataset;
      [[fallthrough]];
    case 8:
      if (std::memcmp(k, "double", 6) == 0) {
        const int num = number_1_to_20(k + 6, n - 6);
        return num ? kSlotDouble0 + num : -1;
      }
      return -1;
    case 9: return std::memcmp(k, "timestamp", 9) == 0 ? kSlotTimestamp : -1;
    case 16: return std::memcmp(k, "_sample_interval", 16) == 0 ? kSlotSampleInterval : -1;
    default: return -1;
  }
}

// The slot of the key whose raw text (after the opening quote) is k, when it is a raw column
// name written without escapes, else -1. Compares whole names including the closing quote with
// fixed-size memcmp; reading ahead is safe as the key is followed by ':', a value and the padding.
inline int match_raw_name(const char* k) {
  switch (k[0]) {
    case 'b':
      if (std::memcmp(k, "blob", 4) == 0) {
        if (k[5] == '"') return k[4] >= '1' && k[4] <= '9' ? kSlotBlob0 + (k[4] - '0') : -1;
        if (k[6] == '"') {
          const int num = number_1_to_20(k + 4, 2);
          return num ? kSlotBlob0 + num : -1;
        }
      }
      return -1;
    case 'd':
      if (std::memcmp(k, "double", 6) == 0) {
        if (k[7] == '"') return k[6] >= '1' && k[6] <= '9' ? kSlotDouble0 + (k[6] - '0') : -1;
        if (k[8] == '"') {
          const int num = number_1_to_20(k + 6, 2);
          return num ? kSlotDouble0 + num : -1;
        }
        return -1;
      }
      return std::memcmp(k, "dataset\"", 8) == 0 ? kSlotDataset : -1;
    case 't': return std::memcmp(k, "timestamp\"", 10) == 0 ? kSlotTimestamp : -1;
    case 'i': return std::memcmp(k, "index1\"", 7) == 0 ? kSlotIndex1 : -1;
    case '_': return std::memcmp(k, "_sample_interval\"", 17) == 0 ? kSlotSampleInterval : -1;
    default: return -1;
  }
}

// A growable byte buffer whose allocation always extends kPadding bytes past capacity(), so
// simdjson can parse its contents in place. Reused across lines: no allocation once warm.
class PaddedBuffer {
 public:
  char* data() { return buf_.get(); }
  size_t size() const { return size_; }
  size_t allocated() const { return allocated_; }  // includes the padding
  void clear() { size_ = 0; }
  //! Makes room for `n` bytes of content (plus padding), keeping the current content.
  void reserve(size_t n) {
    if (n + kPadding <= allocated_) return;
    const size_t want = std::max(n + kPadding, allocated_ * 2);
    auto fresh = std::make_unique<char[]>(want);  // zeroed: the padding is defined bytes
    if (size_) std::memcpy(fresh.get(), buf_.get(), size_);
    buf_ = std::move(fresh);
    allocated_ = want;
  }
  void append(const char* p, size_t n) {
    reserve(size_ + n);
    std::memcpy(buf_.get() + size_, p, n);
    size_ += n;
  }
  void assign(const char* p, size_t n) {
    size_ = 0;
    append(p, n);
  }
  //! Appends without checking capacity; the caller reserved enough.
  void push_unchecked(const char* p, size_t n) {
    std::memcpy(buf_.get() + size_, p, n);
    size_ += n;
  }
  //! Counts `n` bytes the caller wrote past size() (within the reserved capacity) as content.
  void commit(size_t n) { size_ += n; }
  //! Fills the padding after the content with spaces before simdjson parses it: On Demand may
  //! look at the byte just past a malformed document (simdjson issue #1834), so what an earlier,
  //! longer line left there must not decide the outcome.
  void pad() {
    reserve(size_);
    std::memset(buf_.get() + size_, ' ', kPadding);
  }

 private:
  std::unique_ptr<char[]> buf_;
  size_t size_ = 0;
  size_t allocated_ = 0;
};

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Copies [s, s+n) into out, replacing each maximal ill-formed subsequence with U+FFFD.
// Returns the number of replacements.
uint64_t replace_invalid_utf8(const char* s, size_t n, PaddedBuffer& out) {
  out.clear();
  out.reserve(n * 3);  // worst case: every byte becomes three
  const auto* u = reinterpret_cast<const unsigned char*>(s);
  uint64_t replaced = 0;
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && u[run] < 0x80) ++run;  // ASCII runs are copied whole
    out.push_unchecked(s + i, run - i);
    i = run;
    if (i == n) break;
    size_t bad = 0;
    const size_t len = utf8::sequence(u + i, n - i, &bad);
    if (len) {
      out.push_unchecked(s + i, len);
      i += len;
    } else {
      out.push_unchecked(kReplacement, 3);
      ++replaced;
      i += bad;
    }
  }
  return replaced;
}

}  // namespace

struct JsonEachRowReader::Impl {
  Impl(std::vector<RawColumn> cols, RowConsumer& c) : columns(std::move(cols)), consumer(c) {
    if (columns.size() > 64) throw std::invalid_argument("JsonEachRowReader: more than 64 raw columns");
    std::fill(std::begin(column_of_slot), std::end(column_of_slot), int8_t{-1});
    for (size_t i = 0; i < columns.size(); ++i) {
      const int slot = slot_of(columns[i]);
      if (slot < 0) throw std::invalid_argument("JsonEachRowReader: not a raw AE column: " + columns[i].name());
      if (column_of_slot[slot] >= 0)
        throw std::invalid_argument("JsonEachRowReader: raw column requested twice: " + columns[i].name());
      column_of_slot[slot] = static_cast<int8_t>(i);
    }
    all_seen = columns.size() == 64 ? ~uint64_t{0} : (uint64_t{1} << columns.size()) - 1;
    values.resize(columns.size());
    // simdjson grows to exactly each new longest line; start big enough for any ordinary line.
    if (parser.allocate(kInitialCapacity)) throw std::bad_alloc();
  }

  std::vector<RawColumn> columns;
  RowConsumer& consumer;
  int8_t column_of_slot[kSlots];
  uint64_t all_seen = 0;
  std::vector<RawValue> values;  // reused for every row

  od::parser parser;
  PaddedBuffer carry;     // the partial line at the end of the last chunk
  PaddedBuffer scratch;   // a line copied for padding
  PaddedBuffer repaired;  // a line with ill-formed UTF-8 replaced
  PaddedBuffer strings;   // strings decoded by unescape_lenient for the current row

  uint64_t rows = 0;
  uint64_t lines = 0;
  uint64_t replaced = 0;

  jsoneachrow::FastPath fast;       // the key order lines are read by without simdjson
  jsoneachrow::FastPath candidate;  // a key order being learned (kept: its storage is reused)
  bool fast_enabled = true;
  uint64_t fast_rows = 0;
  uint32_t fast_misses = 0;  // lines in a row the fast path had to leave to the general path
  uint64_t learn_from = 0;   // the first line number learning may be tried on again

  std::string_view line;   // the current line as received (for error messages)
  size_t parsed_size = 0;  // size of the text simdjson parses for the current line

  void feed(const char* data, size_t size);
  void finish();
  void process_line(const char* p, size_t len, size_t allocated, bool at_eof, bool fast_missed);
  void parse(const char* p, size_t len, size_t allocated, bool at_eof);
  void deliver_fast_row();
  void note_fast_miss();
  void learn(bool missed);
  inline int column_of(od::field& f);
  void extract(size_t col, od::value& v);
  std::string_view get_string(od::value& v);

  [[noreturn, gnu::cold, gnu::noinline]] void fail(std::string_view reason) const;
  [[noreturn, gnu::cold, gnu::noinline]] void fail_json(simdjson::error_code err, bool at_eof) const;
  [[noreturn, gnu::cold, gnu::noinline]] void fail_value(size_t col, std::string_view expected, od::value& v) const;
  [[noreturn, gnu::cold, gnu::noinline]] void fail_value_text(size_t col, std::string_view expected,
                                                              std::string_view got) const;
  [[noreturn, gnu::cold, gnu::noinline]] void fail_missing(uint64_t seen) const;
};

void JsonEachRowReader::Impl::feed(const char* data, size_t size) {
  if (size == 0) return;  // data may be null
  const char* p = data;
  const char* const end = data + size;
  if (carry.size() > 0) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', size));
    if (!nl) {
      carry.append(p, size);
      return;
    }
    carry.append(p, static_cast<size_t>(nl - p));
    carry.pad();
    process_line(carry.data(), carry.size(), carry.allocated(), false, false);
    carry.clear();
    p = nl + 1;
  }
  while (p < end) {
    // The fast path finds the line's end itself: no '\n' can hide inside a line it reads.
    bool fast_missed = false;
    if (fast.ready()) {
      bool at_end = false;
      const char* after = fast.read(p, end, values.data(), at_end);
      if (after) {
        if (after < end && *after == '\r') ++after;
        if (after < end && *after == '\n') {
          ++lines;
          deliver_fast_row();
          p = after + 1;
          continue;
        }
        fast_missed = after < end;  // at the chunk's end: the line is retried once whole
      } else {
        fast_missed = !at_end;
      }
    }
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!nl) {
      carry.assign(p, static_cast<size_t>(end - p));
      return;
    }
    process_line(p, static_cast<size_t>(nl - p), static_cast<size_t>(end - p), false, fast_missed);
    p = nl + 1;
  }
}

// The row the fast path read into `values`, as line `lines`.
void JsonEachRowReader::Impl::deliver_fast_row() {
  fast_misses = 0;
  consumer.on_row(RawRow{values.data(), values.size(), lines});
  ++rows;
  ++fast_rows;
}

void JsonEachRowReader::Impl::note_fast_miss() {
  if (++fast_misses < kFastMissesInARow) return;
  // Lines keep deviating (keys in varying order, white space...): stop paying for the attempt.
  fast.forget();
  fast_misses = 0;
  learn_from = lines + kFastPauseLines;
}

// After the general path delivered the current line: learns its key order when the fast path
// has none, or when this is the second line in a row that deviated from the one it has (keys
// reordered mid-stream; a single odd line keeps the order). A line that cannot be learned
// leaves the current order in place.
void JsonEachRowReader::Impl::learn(bool missed) {
  if (!fast_enabled || lines < learn_from || (fast.ready() && (!missed || fast_misses < 2))) return;
  auto column_of_key = [this](std::string_view key) {
    const int slot = slot_of_name(key.data(), key.size());
    return slot < 0 ? -1 : int{column_of_slot[slot]};
  };
  if (candidate.learn(line, columns, column_of_key))
    std::swap(fast, candidate);
  else if (!fast.ready())
    learn_from = lines + kLearnRetryLines;
}

void JsonEachRowReader::Impl::finish() {
  if (carry.size() == 0) return;
  // Cleared first so a throw leaves nothing to process twice.
  const size_t n = carry.size();
  carry.pad();
  carry.clear();
  process_line(carry.data(), n, carry.allocated(), true, false);
}

// `allocated`: readable bytes from p (>= len); the line is parsed in place when they cover the
// padding simdjson needs. `fast_missed`: feed() already tried the fast path on this line.
void JsonEachRowReader::Impl::process_line(const char* p, size_t len, size_t allocated, bool at_eof, bool fast_missed) {
  ++lines;
  if (len > 0 && p[len - 1] == '\r') --len;
  if (lines == 1 && len >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) {  // UTF-8 BOM
    p += 3, len -= 3, allocated -= 3;
  }
  size_t first = 0;
  while (first < len && is_json_space(p[first])) ++first;
  if (first == len) return;  // blank line
  line = std::string_view(p, len);
  if (fast.ready() && !fast_missed) {
    bool at_end = false;
    if (fast.read(p, p + len, values.data(), at_end) == p + len) {
      deliver_fast_row();
      return;
    }
    fast_missed = true;
  }
  if (fast_missed) note_fast_miss();
  if (p[first] != '{') fail("not a JSON object");
  if (allocated - len < kPadding) {
    scratch.assign(p, len);
    scratch.pad();
    p = scratch.data();
    allocated = scratch.allocated();
  }
  parse(p, len, allocated, at_eof);
  learn(fast_missed);
}

void JsonEachRowReader::Impl::parse(const char* p, size_t len, size_t allocated, bool at_eof) {
  od::document doc;
  auto err = parser.iterate(p, len, allocated).get(doc);
  if (err == simdjson::UTF8_ERROR) {
    replaced += replace_invalid_utf8(p, len, repaired);
    repaired.pad();
    p = repaired.data(), len = repaired.size(), allocated = repaired.allocated();
    err = parser.iterate(p, len, allocated).get(doc);
  }
  if (err) fail_json(err, at_eof);
  parsed_size = len;
  strings.clear();

  od::object object;
  if ((err = doc.get_object().get(object))) fail_json(err, at_eof);
  uint64_t seen = 0;
  for (auto result : object) {
    if ((err = result.error())) fail_json(err, at_eof);
    od::field& field = result.value_unsafe();  // by reference: a copy costs a store-forwarding stall
    const int col = column_of(field);
    if (col < 0) continue;  // the iterator skips the value
    extract(static_cast<size_t>(col), field.value());
    seen |= uint64_t{1} << col;
  }
  const char* rest;
  if (!doc.current_location().get(rest)) fail("trailing content after the object");
  if (seen != all_seen) fail_missing(seen);

  consumer.on_row(RawRow{values.data(), values.size(), lines});
  ++rows;
}

int JsonEachRowReader::Impl::column_of(od::field& f) {
  const char* k = f.key().raw();  // just after the opening quote; the padding covers k[16]
  int slot = match_raw_name(k);
  if (slot < 0) {
    // Not a raw column name written plainly; it may still be one written with escapes.
    size_t n = 0;
    while (n <= kMaxKeyLength && k[n] != '"' && k[n] != '\\') ++n;
    if (n > kMaxKeyLength || k[n] != '\\') return -1;
    std::string_view key;
    if (f.unescaped_key().get(key)) return -1;
    slot = slot_of_name(key.data(), key.size());
    if (slot < 0) return -1;
  }
  return column_of_slot[slot];
}

// The decoded value of a JSON string; falls back to lenient decoding (unpaired surrogates ->
// U+FFFD) when simdjson rejects it.
std::string_view JsonEachRowReader::Impl::get_string(od::value& v) {
  std::string_view s;
  const auto err = v.get_string().get(s);
  if (!err) return s;
  if (err != simdjson::STRING_ERROR) fail_json(err, false);
  // Decoding never grows a string, so the row's decoded strings fit in the parsed line; reserve
  // that once per row so earlier views stay valid.
  if (strings.size() == 0) strings.reserve(parsed_size);
  char* start = strings.data() + strings.size();
  const std::string_view raw = v.raw_json_token();
  char* end = unescape_lenient(raw.data() + 1, start, replaced);
  if (!end) fail_json(err, false);  // a malformed escape
  strings.commit(static_cast<size_t>(end - start));
  return std::string_view(start, static_cast<size_t>(end - start));
}

void JsonEachRowReader::Impl::extract(size_t col, od::value& v) {
  using K = RawColumn::Kind;
  RawValue& out = values[col];
  od::json_type type;
  if (auto err = v.type().get(type)) fail_json(err, false);
  switch (columns[col].kind) {
    case K::Dataset:
    case K::Index:
    case K::Blob:
      switch (type) {
        case od::json_type::string: out.s = get_string(v); return;
        case od::json_type::number: {
          const std::string_view text = trim_right(v.raw_json_token());
          if (!is_json_number(text)) fail_value(col, "a string", v);
          out.s = text;
          return;
        }
        case od::json_type::null: {
          bool null = false;
          if (v.is_null().get(null) || !null) fail_value(col, "a string", v);
          out.s = kEmpty;
          return;
        }
        default: fail_value(col, "a string", v);
      }
    case K::Double:
      if (type == od::json_type::number) {
        if (v.get_double().get(out.d)) fail_value(col, "a number", v);
        const std::string_view text = trim_right(v.raw_json_token());
        double exact;
        if (text.size() > kSimdjsonExactDigits && parse_double_text(text, exact)) out.d = exact;
        return;
      }
      if (type == od::json_type::string && parse_double_text(get_string(v), out.d)) return;
      fail_value(col, "a number", v);
    case K::SampleInterval:
      if (type == od::json_type::number) {
        if (!v.get_int64().get(out.i)) return;
        const std::string_view text = trim_right(v.raw_json_token());  // 1.0, 1e2
        if (is_json_number(text) && parse_exact_int64(text, out.i)) return;
        fail_value(col, "an integer", v);
      }
      if (type == od::json_type::string && parse_exact_int64(get_string(v), out.i)) return;
      fail_value(col, "an integer", v);
    case K::Timestamp:
      if (type == od::json_type::string) {
        if (const auto ms = parse_timestamp_ms(get_string(v))) {
          out.i = *ms;
          return;
        }
      }
      fail_value(col, "\"YYYY-MM-DD hh:mm:ss\"", v);
  }
}

void JsonEachRowReader::Impl::fail(std::string_view reason) const {
  std::string msg = "line " + std::to_string(lines) + ": ";
  msg += reason;
  msg += ": ";
  msg += shown(line, kSnippetBytes);
  throw InputError(msg);
}

void JsonEachRowReader::Impl::fail_json(simdjson::error_code err, bool at_eof) const {
  if (err == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) {
    // On Demand rejects "{...} x" this way (the last token is not '}'): say what it is.
    const size_t first = line.find('{');
    const size_t end = object_extent(line.substr(first));
    if (end != std::string_view::npos && !trim_right(line.substr(first + end)).empty())
      fail("trailing content after the object");
  }
  const std::string text = simdjson::error_message(err);
  if (at_eof && (err == simdjson::INCOMPLETE_ARRAY_OR_OBJECT || err == simdjson::UNCLOSED_STRING))
    fail("truncated at end of input (" + text + ")");
  fail("invalid JSON (" + text + ")");
}

void JsonEachRowReader::Impl::fail_value(size_t col, std::string_view expected, od::value& v) const {
  od::json_type type = od::json_type::null;
  const bool known = !v.type().get(type);
  std::string got;
  if (known && type == od::json_type::object)
    got = "an object";  // its raw token would be just "{"
  else if (known && type == od::json_type::array)
    got = "an array";
  else
    got = shown(trim_right(v.raw_json_token()), kGotBytes);
  fail_value_text(col, expected, got);
}

void JsonEachRowReader::Impl::fail_value_text(size_t col, std::string_view expected, std::string_view got) const {
  std::string reason = "\"" + columns[col].name() + "\": expected ";
  reason += expected;
  reason += ", got ";
  reason += got;
  fail(reason);
}

void JsonEachRowReader::Impl::fail_missing(uint64_t seen) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (!(seen & (uint64_t{1} << i))) fail("missing key \"" + columns[i].name() + "\"");
  fail("missing key");  // unreachable: some bit is unset
}

JsonEachRowReader::JsonEachRowReader(std::vector<RawColumn> columns, RowConsumer& consumer)
    : impl_(std::make_unique<Impl>(std::move(columns), consumer)) {}

JsonEachRowReader::~JsonEachRowReader() = default;

void JsonEachRowReader::feed(const char* data, size_t size) { impl_->feed(data, size); }
void JsonEachRowReader::finish() { impl_->finish(); }
uint64_t JsonEachRowReader::rows() const { return impl_->rows; }
uint64_t JsonEachRowReader::lines() const { return impl_->lines; }
uint64_t JsonEachRowReader::invalid_utf8_replaced() const { return impl_->replaced; }
uint64_t JsonEachRowReader::fast_path_rows() const { return impl_->fast_rows; }

void JsonEachRowReader::use_fast_path(bool enabled) {
  impl_->fast_enabled = enabled;
  if (!enabled) impl_->fast.forget();
}

}  // namespace aesync
