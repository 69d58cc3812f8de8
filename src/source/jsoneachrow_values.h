// JSONEachRow value parsing: the text-level rules the reader (jsoneachrow_reader.cpp) applies to
// one value once simdjson has framed it. Numbers are read exactly or refused, never rounded;
// strings that simdjson rejects are decoded leniently. No allocation: every function reads a
// view and writes into what the caller provides.
//
// - is_json_number: RFC 8259 §6 number grammar over the whole text.
// - parse_double_text: a JSON number or a string std::from_chars reads whole (decimal or
//   exponent form, "inf", "-inf", "infinity", "nan", case-insensitive; no '+', no spaces).
// - parse_exact_int64: the integer a decimal number denotes exactly (1.0, 1e2), computed in
//   decimal, never through a double; not an integer (0.5, 1e-400) or outside int64
//   (9223372036854775808, -9223372036854775809, 1e30): false.
// - unescape_lenient: a JSON string's escapes decoded, unpaired \uD800-\uDFFF as U+FFFD.
// - object_extent: where an object closes, for wording an error only.
//
// The small predicates the reader calls per line or per value are inline here: the reader's hot
// path must not pay for a call into another translation unit.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace aesync::jsoneachrow {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

//! The value of a hex digit, or -1.
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

//! The code unit of the four hex digits at p (after "\u"), or -1 when malformed.
inline int32_t hex4(const char* p) {
  int32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int h = hex_value(p[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

//! `s` without trailing JSON white space (a raw token keeps what follows it up to the next one).
inline std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_json_space(s.back())) s.remove_suffix(1);
  return s;
}

//! Whether the whole of `s` follows the JSON number grammar (RFC 8259 §6).
inline bool is_json_number(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  auto digits = [&] {
    const size_t start = i;
    while (i < n && is_digit(s[i])) ++i;
    return i > start;
  };
  if (i < n && s[i] == '-') ++i;
  if (i < n && s[i] == '0')
    ++i;
  else if (!digits())
    return false;
  if (i < n && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

//! The double the whole of `s` denotes, as std::from_chars reads it; false for anything else.
inline bool parse_double_text(std::string_view s, double& out) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

//! The integer the decimal number `s` denotes, exactly; false when it is not an integer or
//! falls outside int64. Grammar: '-'? digits ('.' digits)? ([eE] [+-]? digits)?, digits before
//! or after the '.' (what std::from_chars reads: "1." and ".5e1" too), no '+', no spaces.
bool parse_exact_int64(std::string_view s, int64_t& out);

//! Decodes the JSON string starting just after its opening quote at `p` into `o` (which has
//! room for the raw text: decoding never grows it), turning unpaired surrogate escapes into
//! U+FFFD and counting them in `replaced`. Returns the end of the output, or nullptr on an
//! invalid escape. The string must be closed (simdjson framed it).
char* unescape_lenient(const char* p, char* o, uint64_t& replaced);

//! Where the object starting at s[0] == '{' closes (index just past its '}'), or npos. Counts
//! brackets outside strings; used only to word an error.
size_t object_extent(std::string_view s);

}  // namespace aesync::jsoneachrow
