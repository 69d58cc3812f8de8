#include "util/text.h"

#include <algorithm>
#include <cstdio>

#include "util/log.h"
#include "util/utf8.h"

namespace aesync {

std::string shown(std::string_view text, size_t max_bytes) {
  const std::string redacted = log::redact(text);
  const std::string_view s = redacted;
  const auto* u = reinterpret_cast<const unsigned char*>(s.data());
  const size_t limit = max_bytes == 0 ? s.size() : std::min(s.size(), max_bytes);
  std::string out;
  out.reserve(limit + 3);
  size_t i = 0;
  while (i < limit) {
    size_t bad = 0;
    const size_t len = utf8::sequence(u + i, s.size() - i, &bad);
    if (len == 0) {
      // The maximal ill-formed subpart, byte by byte.
      if (i + bad > limit) break;
      for (size_t k = 0; k < bad; ++k) {
        char hex[5];
        std::snprintf(hex, sizeof hex, "\\x%02X", u[i + k]);
        out += hex;
      }
      i += bad;
      continue;
    }
    if (i + len > limit) break;
    const unsigned cp = len == 1 ? u[i] : len == 2 && u[i] == 0xC2 ? u[i + 1] : 0x100;
    if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
      char esc[7];
      std::snprintf(esc, sizeof esc, "\\u%04X", cp);
      out += esc;
    } else {
      out.append(s.data() + i, len);
    }
    i += len;
  }
  if (i < s.size()) out += "\xE2\x80\xA6";  // "…"
  return out;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string_view nearest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string_view best;
  size_t best_distance = 3;  // suggest only within an edit distance of 2
  for (const std::string& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace aesync
