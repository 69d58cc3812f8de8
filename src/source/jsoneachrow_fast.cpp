// JSONEachRow fast path (the header states the contract). Details:
// - Keys: the learned text before each value ('{' or ',', the quoted key, ':') is compared as
//   two 8-byte words under a mask when it is at most 16 bytes and 16 bytes are readable, else
//   with memcmp. A key is learned only when it is printable ASCII without '\\': its bytes are
//   then its name, and the general path maps that name to the same column (slot_of_name).
// - Strings are scanned 8 bytes at a time for '"', '\\', a control character or a byte >= 0x80
//   (SWAR; little-endian only, bytewise elsewhere). A byte >= 0x80 starts a UTF-8 sequence that
//   must be well-formed (util/utf8.h), else the line falls back: simdjson validates the whole
//   line, so an ill-formed byte even in a skipped value changes the general path's result.
// - Numbers follow RFC 8259's grammar exactly; a token simdjson might read differently (out of
//   range, a leading zero) either fails the grammar or fails std::from_chars / parse_exact_int64,
//   and then the general path decides. GCC 12's std::from_chars rounds correctly, as simdjson does.
// - Values the general path reads through the same function (parse_double_text,
//   parse_exact_int64, parse_timestamp_ms) are read here through it too, on the same bytes: a
//   string without escapes decodes to its raw bytes.
#include "source/jsoneachrow_fast.h"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <charconv>
#include <cstring>
#include <system_error>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "source/jsoneachrow_values.h"
#include "util/time.h"
#include "util/utf8.h"

namespace aesync::jsoneachrow {

namespace {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;
constexpr std::string_view kEmpty{"", 0};         // non-null: consumers may memcpy from it
constexpr size_t kWordCompare = 16;               // literals up to this size are compared as two words
constexpr size_t kUnescapedCapacity = 64 * 1024;  // decoded strings per line; beyond: the general path

// Bit 7 of each byte of w that is zero / less than n. Not exact above the first such byte (a
// borrow carries upwards), but the lowest flagged byte is always a true one: enough to find the
// first special byte.
inline uint64_t zero_bytes(uint64_t w) { return (w - kOnes) & ~w & kHighs; }
inline uint64_t bytes_below(uint64_t w, uint8_t n) { return (w - kOnes * n) & ~w & kHighs; }

// Offset of the first byte in the 8 at p that is '"', '\\', a control character or >= 0x80; 8
// when there is none. Little-endian only: the lowest-address byte is the least significant.
inline unsigned first_special(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  const uint64_t flags =
      zero_bytes(w ^ (kOnes * '"')) | zero_bytes(w ^ (kOnes * '\\')) | bytes_below(w, 0x20) | (w & kHighs);
  return flags ? static_cast<unsigned>(std::countr_zero(flags)) / 8 : 8;
}

#if defined(__SSE2__)
// Offset of the first byte in the 16 at p that is '"', '\\', a control character or >= 0x80;
// 16 when there is none. As signed bytes, both control characters and bytes >= 0x80 are < 0x20.
inline unsigned first_special16(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i special =
      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                   _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
  const auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
  return mask ? static_cast<unsigned>(std::countr_zero(mask)) : 16;
}
#endif

inline bool is_special(unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80; }

// The first byte from p on that is '"', '\\', a control character or >= 0x80, or end.
inline const char* skip_plain(const char* p, const char* end) {
#if defined(__SSE2__)
  for (; end - p >= 16; p += 16)
    if (const unsigned i = first_special16(p); i < 16) return p + i;
#endif
  if constexpr (std::endian::native == std::endian::little) {
    for (; end - p >= 8; p += 8)
      if (const unsigned i = first_special(p); i < 8) return p + i;
  }
  while (p < end && !is_special(static_cast<unsigned char>(*p))) ++p;
  return p;
}

// Checks the escape at p (p[0] == '\\'); returns one past it, or nullptr for an escape the
// general path would refuse or decode leniently (an unpaired surrogate).
inline const char* escape_end(const char* p, const char* end, bool& at_end) {
  if (end - p < 2) return at_end = true, nullptr;
  switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't': return p + 2;
    case 'u': break;
    default: return nullptr;
  }
  if (end - p < 6) return at_end = true, nullptr;
  const int32_t unit = hex4(p + 2);
  if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return nullptr;
  if (unit < 0xD800 || unit > 0xDFFF) return p + 6;
  // A high surrogate: only with its low surrogate.
  if (end - p < 12) return at_end = true, nullptr;
  if (p[6] != '\\' || p[7] != 'u') return nullptr;
  const int32_t low = hex4(p + 8);
  return low >= 0xDC00 && low <= 0xDFFF ? p + 12 : nullptr;
}

// The closing quote of the string whose contents start at p, when the string holds no control
// character, only well-formed UTF-8 and only escapes escape_end() takes (`escaped`: there were
// some); nullptr otherwise.
inline const char* string_end(const char* p, const char* end, bool& escaped, bool& at_end) {
  for (;;) {
    p = skip_plain(p, end);
    if (p == end) {
      at_end = true;
      return nullptr;
    }
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"') return p;
    if (c == '\\') {
      p = escape_end(p, end, at_end);
      if (!p) return nullptr;
      escaped = true;
      continue;
    }
    if (c < 0x80) return nullptr;  // a control character: the general path words the error
    size_t bad = 0;
    const size_t n = utf8::sequence(reinterpret_cast<const unsigned char*>(p), static_cast<size_t>(end - p), &bad);
    if (n == 0) {
      at_end = p + bad == end;  // possibly a sequence cut by the end of the chunk
      return nullptr;
    }
    p += n;
  }
}

// A number token in RFC 8259's grammar, with its digits gathered on the way.
struct Number {
  const char* end = nullptr;  // one past the token; nullptr: not a number (or cut by the end)
  uint64_t mantissa = 0;      // the digits before and after the point, as one integer
  int digits = 0;             // how many (the mantissa is exact when at most 19)
  int fraction = 0;           // how many of them after the point
  bool negative = false;
  bool exponent = false;
};

// The RFC 8259 number starting at p. The byte after it is not part of any number form (a
// caller checks it is ',' or '}').
inline Number scan_number(const char* p, const char* end, bool& at_end) {
  Number n;
  auto digits = [&] {
    const char* start = p;
    for (; p < end && is_digit(*p); ++p) n.mantissa = n.mantissa * 10 + static_cast<uint64_t>(*p - '0');
    n.digits += static_cast<int>(p - start);
    return p > start;
  };
  if (p < end && *p == '-') ++p, n.negative = true;
  if (p < end && *p == '0')
    ++p, ++n.digits;
  else if (!digits())
    return at_end = p == end, Number{};
  if (p < end && *p == '.') {
    ++p;
    const int before = n.digits;
    if (!digits()) return at_end = p == end, Number{};
    n.fraction = n.digits - before;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    n.exponent = true;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    const char* start = p;
    while (p < end && is_digit(*p)) ++p;
    if (p == start) return at_end = p == end, Number{};
  }
  if (p == end) return at_end = true, Number{};
  n.end = p;
  return n;
}

// The integer a JSON number token denotes, as the general path reads it (simdjson's get_int64,
// else parse_exact_int64: both exact).
inline bool read_integer(const Number& n, std::string_view token, int64_t& out) {
  if (n.exponent || n.fraction || n.digits > 18) return parse_exact_int64(token, out);  // 1.0, 1e2, big
  const auto v = static_cast<int64_t>(n.mantissa);
  out = n.negative ? -v : v;
  return true;
}

// The double a number token denotes when one exact operation computes it, so that it is
// correctly rounded like std::from_chars, which reads every other token: an integer of at most
// 19 digits (one rounding, uint64 -> double), or Clinger's fast path (at most 19 digits worth at
// most 2^53, at most 22 after the point: an exact quotient of two exact doubles).
inline bool small_double(const Number& n, double& out) {
#if FLT_EVAL_METHOD == 0
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (n.exponent || n.digits > 19) return false;
  double d = static_cast<double>(n.mantissa);
  if (n.fraction) {
    if (n.fraction > 22 || n.mantissa > (uint64_t{1} << 53)) return false;
    d /= kPow10[n.fraction];
  }
  out = n.negative ? -d : d;
  return true;
#else
  (void)n, (void)out;
  return false;
#endif
}

// Whether the literal `word` (true, false, null) is at p; at_end when the text ends inside it.
inline bool literal_at(const char* p, const char* end, std::string_view word, bool& at_end) {
  const size_t avail = static_cast<size_t>(end - p);
  if (avail <= word.size()) {  // the ',' or '}' after it must be there too
    at_end = std::memcmp(p, word.data(), std::min(avail, word.size())) == 0;
    return false;
  }
  return std::memcmp(p, word.data(), word.size()) == 0;
}

}  // namespace

[[gnu::always_inline]] inline bool FastPath::read_timestamp(std::string_view s, int64_t& ms) {
  // AE's form, "YYYY-MM-DD hh:mm:ss", with the date of the last one: the time of day computed
  // here as parse_timestamp_ms computes it; everything else goes to parse_timestamp_ms.
  auto two = [&](size_t i, int64_t& v) {
    if (!is_digit(s[i]) || !is_digit(s[i + 1])) return false;
    v = (s[i] - '0') * 10 + (s[i + 1] - '0');
    return true;
  };
  int64_t hh, mm, ss;
  if (s.size() == 19 && s[10] == ' ' && s[13] == ':' && s[16] == ':' && two(11, hh) && two(14, mm) && two(17, ss) &&
      hh <= 23 && mm <= 59 && ss <= 59) {
    if (std::memcmp(s.data(), date_, sizeof date_) != 0) {
      const auto day = parse_day(s.substr(0, 10));
      if (!day) return false;
      std::memcpy(date_, s.data(), sizeof date_);
      date_ms_ = *day * kMillisPerDay;
    }
    ms = date_ms_ + (hh * 3600 + mm * 60 + ss) * 1000;
    return true;
  }
  const auto parsed = parse_timestamp_ms(s);
  if (!parsed) return false;
  ms = *parsed;
  return true;
}

[[gnu::always_inline]] inline const char* FastPath::read_value(Action action, const char* p, const char* end,
                                                               RawValue& out, size_t& unescaped_used, bool& at_end) {
  const char first = *p;
  if (first == '"') [[likely]] {
    bool escaped = false;
    const char* close = string_end(p + 1, end, escaped, at_end);
    if (!close) return nullptr;
    std::string_view s(p + 1, static_cast<size_t>(close - p - 1));
    if (escaped && action != Action::Skip) {
      // Decoded as the general path decodes it (no unpaired surrogate passed string_end).
      if (action != Action::String || s.size() > kUnescapedCapacity - unescaped_used) return nullptr;
      char* const start = unescaped_.get() + unescaped_used;
      uint64_t replaced = 0;
      const char* const stop = unescape_lenient(s.data(), start, replaced);
      if (!stop || replaced) return nullptr;
      s = std::string_view(start, static_cast<size_t>(stop - start));
      unescaped_used += s.size();
    }
    switch (action) {
      case Action::Skip: break;
      case Action::String: out.s = s; break;
      case Action::Double:
        if (!parse_double_text(s, out.d)) return nullptr;
        break;
      case Action::Integer:
        if (!parse_exact_int64(s, out.i)) return nullptr;
        break;
      case Action::Timestamp:
        if (!read_timestamp(s, out.i)) return nullptr;
        break;
    }
    return close + 1;
  }
  if (first == '-' || is_digit(first)) {
    const Number n = scan_number(p, end, at_end);
    const char* const q = n.end;
    if (!q) return nullptr;
    const std::string_view token(p, static_cast<size_t>(q - p));
    switch (action) {
      case Action::Skip: break;
      case Action::String: out.s = token; break;  // the general path gives a number's text
      case Action::Double:
        if (!small_double(n, out.d)) {
          const auto r = std::from_chars(p, q, out.d);
          if (r.ec != std::errc() || r.ptr != q) return nullptr;  // out of range: the general path words the error
        }
        break;
      case Action::Integer:
        if (!read_integer(n, token, out.i)) return nullptr;
        break;
      case Action::Timestamp: return nullptr;
    }
    return q;
  }
  switch (first) {
    case 'n':
      if (!literal_at(p, end, "null", at_end)) return nullptr;
      if (action == Action::String)
        out.s = kEmpty;
      else if (action != Action::Skip)
        return nullptr;  // null for a numeric column is an error
      return p + 4;
    case 't':
      if (action != Action::Skip || !literal_at(p, end, "true", at_end)) return nullptr;
      return p + 4;
    case 'f':
      if (action != Action::Skip || !literal_at(p, end, "false", at_end)) return nullptr;
      return p + 5;
    default: return nullptr;  // an object, an array, white space...
  }
}

const char* FastPath::read(const char* p, const char* end, RawValue* values, bool& at_end) {
  at_end = false;
  size_t unescaped_used = 0;
  for (const Entry& e : entries_) {
    const size_t n = e.text_size;
    const char* const text = texts_.data() + e.text_offset;
    if (n <= kWordCompare && static_cast<size_t>(end - p) >= kWordCompare) {
      uint64_t w[2];
      std::memcpy(w, p, sizeof w);
      if (((w[0] ^ e.literal[0]) & e.mask[0]) | ((w[1] ^ e.literal[1]) & e.mask[1])) return nullptr;
    } else {
      const size_t avail = static_cast<size_t>(end - p);
      if (avail < n) {
        at_end = std::memcmp(p, text, avail) == 0;
        return nullptr;
      }
      if (std::memcmp(p, text, n) != 0) return nullptr;
    }
    p += n;
    if (p == end) {
      at_end = true;
      return nullptr;
    }
    RawValue skipped;  // no column to write: `values` may be empty
    p = read_value(e.action, p, end, e.action == Action::Skip ? skipped : values[e.column], unescaped_used, at_end);
    if (!p) return nullptr;
  }
  if (p == end) {
    at_end = true;
    return nullptr;
  }
  return *p == '}' ? p + 1 : nullptr;
}

bool FastPath::learn(std::string_view line, const std::vector<RawColumn>& columns,
                     const std::function<int(std::string_view)>& column_of_key) {
  ready_ = false;
  entries_.clear();
  texts_.clear();
  if (line.size() > UINT32_MAX) return false;  // offsets into texts_ are 32-bit
  const char* p = line.data();
  const char* const end = p + line.size();
  if (p == end || *p != '{') return false;
  uint64_t seen = 0;
  bool at_end = false;
  RawValue ignored;
  size_t unescaped_used = 0;
  if (!unescaped_) unescaped_ = std::make_unique<char[]>(kUnescapedCapacity);
  if (end - p >= 2 && p[1] == '}') {
    p += 2;  // {}
  } else {
    for (;;) {
      const char* const text = p++;  // '{' or ','
      if (p == end || *p != '"') return false;
      const char* const key = ++p;
      while (p < end && *p >= 0x20 && *p <= 0x7E && *p != '"' && *p != '\\') ++p;
      if (p == end || *p != '"') return false;
      const std::string_view name(key, static_cast<size_t>(p - key));
      if (++p == end || *p != ':' || ++p == end) return false;
      Entry e;
      e.text_offset = static_cast<uint32_t>(texts_.size());
      e.text_size = static_cast<uint32_t>(p - text);
      texts_.append(text, e.text_size);
      if (e.text_size <= kWordCompare) {
        unsigned char bytes[kWordCompare] = {}, mask[kWordCompare] = {};
        std::memcpy(bytes, text, e.text_size);
        std::memset(mask, 0xFF, e.text_size);
        std::memcpy(e.literal, bytes, sizeof bytes);
        std::memcpy(e.mask, mask, sizeof mask);
      }
      const int col = column_of_key(name);
      if (col >= 0) {
        e.column = static_cast<uint32_t>(col);
        seen |= uint64_t{1} << col;
        switch (columns[static_cast<size_t>(col)].kind) {
          case RawColumn::Kind::Timestamp: e.action = Action::Timestamp; break;
          case RawColumn::Kind::SampleInterval: e.action = Action::Integer; break;
          case RawColumn::Kind::Double: e.action = Action::Double; break;
          default: e.action = Action::String;
        }
      }
      // Only the shape is learned here: a value of another type on a later line simply falls back.
      p = read_value(Action::Skip, p, end, ignored, unescaped_used, at_end);
      if (!p || p == end) return false;
      entries_.push_back(std::move(e));
      if (*p == '}') {
        ++p;
        break;
      }
      if (*p != ',') return false;
    }
  }
  const uint64_t all = columns.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << columns.size()) - 1;
  if (p != end || seen != all) return false;
  ready_ = true;
  return true;
}

}  // namespace aesync::jsoneachrow
