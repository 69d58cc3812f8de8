// UTF-8 well-formedness (Unicode ch. 3, Table 3-7), one place for every reader of untrusted
// text: the JSONEachRow reader (U+FFFD replacement), config error messages, the fuzz targets.
#pragma once

#include <cstddef>
#include <string_view>

namespace aesync::utf8 {

//! Length of the well-formed UTF-8 sequence at s (n > 0 bytes available), or 0 when ill-formed,
//! in which case *bad gets the length of its maximal subpart (>= 1): the lead byte plus the
//! continuation bytes that were still valid for it.
inline size_t sequence(const unsigned char* s, size_t n, size_t* bad) {
  const unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c == 0xE0) {
    need = 2, lo = 0xA0;
  } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
    need = 2;
  } else if (c == 0xED) {
    need = 2, hi = 0x9F;
  } else if (c == 0xF0) {
    need = 3, lo = 0x90;
  } else if (c >= 0xF1 && c <= 0xF3) {
    need = 3;
  } else if (c == 0xF4) {
    need = 3, hi = 0x8F;
  } else {
    *bad = 1;
    return 0;
  }
  size_t i = 1;
  for (; i <= need && i < n; ++i) {
    if (s[i] < lo || s[i] > hi) break;
    lo = 0x80, hi = 0xBF;
  }
  if (i == need + 1) return i;
  *bad = i;
  return 0;
}

//! Whether all of `s` is well-formed UTF-8.
inline bool valid(std::string_view s) {
  const auto* u = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0, bad = 0; i < s.size();) {
    const size_t len = sequence(u + i, s.size() - i, &bad);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace aesync::utf8
