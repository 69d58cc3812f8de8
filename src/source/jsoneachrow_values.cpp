// JSONEachRow value parsing, the parts off the reader's common path: exact integers from
// decimal text, lenient string decoding, and the object extent used to word an error. The
// header states the contract.
#include "source/jsoneachrow_values.h"

#include <climits>
#include <string_view>

namespace aesync::jsoneachrow {

namespace {

inline char* put_utf8(char* o, uint32_t cp) {
  if (cp < 0x80) {
    *o++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *o++ = static_cast<char>(0xC0 | (cp >> 6));
    *o++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = static_cast<char>(0xE0 | (cp >> 12));
    *o++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *o++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *o++ = static_cast<char>(0xF0 | (cp >> 18));
    *o++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *o++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *o++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return o;
}

}  // namespace

// "-12", "1.0", "1.5e1", "1e2", "0.000" are integers; "0.5", "1e-400" are not; anything outside
// [-2^63, 2^63) is refused rather than rounded (a double would turn 9007199254740993.0 into
// ...992 and -9223372036854775809 into INT64_MIN).
bool parse_exact_int64(std::string_view s, int64_t& out) {
  size_t i = 0;
  const size_t n = s.size();
  const bool negative = i < n && s[i] == '-';
  if (negative) ++i;
  const size_t int_start = i;
  while (i < n && is_digit(s[i])) ++i;
  const std::string_view int_digits = s.substr(int_start, i - int_start);
  std::string_view frac_digits;
  if (i < n && s[i] == '.') {
    const size_t frac_start = ++i;
    while (i < n && is_digit(s[i])) ++i;
    frac_digits = s.substr(frac_start, i - frac_start);
  }
  if (int_digits.empty() && frac_digits.empty()) return false;
  int64_t exponent = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
    const size_t exp_start = i;
    for (; i < n && is_digit(s[i]); ++i)
      if (exponent < 1'000'000) exponent = exponent * 10 + (s[i] - '0');  // saturates: far beyond any int64
    if (i == exp_start) return false;
    if (exp_negative) exponent = -exponent;
  }
  if (i != n) return false;
  // Significant digits int_digits + frac_digits, times 10^(exponent - frac_digits.size()).
  auto digit_at = [&](size_t k) { return k < int_digits.size() ? int_digits[k] : frac_digits[k - int_digits.size()]; };
  size_t first = 0, last = int_digits.size() + frac_digits.size();
  while (first < last && digit_at(first) == '0') ++first;
  if (first == last) {  // zero, however written
    out = 0;
    return true;
  }
  exponent -= static_cast<int64_t>(frac_digits.size());
  while (digit_at(last - 1) == '0') --last, ++exponent;
  if (exponent < 0) return false;                                        // a fraction remains
  if (static_cast<int64_t>(last - first) + exponent > 19) return false;  // >= 10^19 > 2^63
  uint64_t magnitude = 0;                                                // at most 19 digits: fits
  for (size_t k = first; k < last; ++k) magnitude = magnitude * 10 + static_cast<uint64_t>(digit_at(k) - '0');
  for (int64_t e = 0; e < exponent; ++e) {
    if (magnitude > UINT64_MAX / 10) return false;
    magnitude *= 10;
  }
  constexpr uint64_t kTwoTo63 = uint64_t{1} << 63;
  if (negative) {
    if (magnitude > kTwoTo63) return false;
    out = magnitude == kTwoTo63 ? INT64_MIN : -static_cast<int64_t>(magnitude);
  } else {
    if (magnitude >= kTwoTo63) return false;
    out = static_cast<int64_t>(magnitude);
  }
  return true;
}

// Used only when simdjson rejects a string (an unpaired surrogate escape).
char* unescape_lenient(const char* p, char* o, uint64_t& replaced) {
  for (;;) {
    const char c = *p;
    if (c == '"') return o;
    if (c != '\\') {
      *o++ = c;
      ++p;
      continue;
    }
    const char e = p[1];
    p += 2;
    switch (e) {
      case '"': *o++ = '"'; break;
      case '\\': *o++ = '\\'; break;
      case '/': *o++ = '/'; break;
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u': {
        const int32_t cp = hex4(p);
        if (cp < 0) return nullptr;
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && p[0] == '\\' && p[1] == 'u') {
          const int32_t lo = hex4(p + 2);
          if (lo < 0) return nullptr;
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            o = put_utf8(o,
                         0x10000 + ((static_cast<uint32_t>(cp) - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00));
            p += 6;
            break;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          o = put_utf8(o, 0xFFFD);
          ++replaced;
        } else {
          o = put_utf8(o, static_cast<uint32_t>(cp));
        }
        break;
      }
      default: return nullptr;
    }
  }
}

size_t object_extent(std::string_view s) {
  int64_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace aesync::jsoneachrow
