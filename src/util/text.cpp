#include "util/text.h"

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

}  // namespace aesync
