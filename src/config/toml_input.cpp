// The config text before toml++ sees it: a bounded file read, and the guard against the code
// points toml++ 3.3 mishandles. The header states the contract.
#include "config/toml_input.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace aesync::config_input {

namespace fs = std::filesystem;

namespace {

// toml++ 3.3 (Debian 12) classifies some non-ASCII code points as "whitespace or not" through
// a generated table that reaches __builtin_unreachable() for them (marzer/tomlplusplus#190,
// #295): undefined behaviour wherever its parser asks that question. These are the code points
// concerned: U+00A1..U+0499, U+2C5E..U+3057 and U+FB26..U+FEFE, less U+3000.
bool toml_whitespace_defect(uint32_t c) {
  if (c <= 0xA0 || c >= 0xFEFF || c == 0x3000) return false;
  const uint32_t child = (c - 0xA0) / 0x3FA;
  return child == 0 || child == 11 || child == 63;
}

}  // namespace

bool read_file(const fs::path& path, uintmax_t limit, std::string& out, std::string& reason) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    reason = "is a directory";
    return false;
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    reason = std::strerror(errno);
    return false;
  }
  out.clear();
  char buf[8192];
  size_t n;
  bool ok = true;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
    if (out.size() > limit) {
      reason = "is larger than " + std::to_string(limit / 1024) + " KiB";
      ok = false;
      break;
    }
  }
  if (ok && std::ferror(f)) {
    reason = std::strerror(errno);
    ok = false;
  }
  std::fclose(f);
  return ok;
}

// The parser asks outside strings and comments (between tokens, inside bare keys and values),
// and in a multi-line basic string right after a backslash (an escape, or a line-ending
// backslash and the whitespace and line breaks it swallows). A quote opens a string only where
// toml++ starts a key or a value (at a line's start, after '=', '[', ',' or '{'). Valid TOML has
// only ASCII outside strings and comments, and aesync's keys are ASCII, so refusing those code
// points there loses nothing; after a line-ending backslash it refuses a rare valid text, with
// a message saying so. Returns where (1-based line and column, in code points) and which, or
// false when the text is safe to hand to toml++.
bool find_toml_hazard(std::string_view t, size_t& line, size_t& column, uint32_t& code_point, bool& in_string) {
  enum class State { Outside, Comment, Basic, Literal, MultiBasic, MultiLiteral };
  State state = State::Outside;
  bool after_backslash = false;  // MultiBasic: an unescaped '\' then only ASCII whitespace
  bool skipping = false;         // MultiBasic: after a line-ending '\', in its whitespace
  bool escaped = false;          // Basic: the previous character was an unescaped '\'
  char prev = '\n';              // Outside: the last character but spaces and tabs
  line = 1, column = 0;
  size_t i = 0;
  while (i < t.size()) {
    const auto c0 = static_cast<unsigned char>(t[i]);
    uint32_t c = c0;
    size_t len = 1;
    if (c0 >= 0xC0 && c0 < 0xF8) {  // decoded leniently: toml++ reports malformed UTF-8 itself
      len = c0 < 0xE0 ? 2 : c0 < 0xF0 ? 3 : 4;
      if (i + len > t.size()) len = 1;
      c = len == 2 ? c0 & 0x1F : len == 3 ? c0 & 0x0F : c0 & 0x07;
      for (size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(t[i + k]) & 0x3F);
    } else if (c0 >= 0x80) {
      c = 0xFFFD;  // a stray continuation byte or an invalid lead byte: none of those
    }
    ++column;
    auto starts = [&](std::string_view p) { return t.substr(i, p.size()) == p; };
    if (c >= 0x80 && toml_whitespace_defect(c) &&
        (state == State::Outside || (state == State::MultiBasic && after_backslash))) {
      code_point = c;
      in_string = state != State::Outside;
      return true;
    }
    switch (state) {
      case State::Outside:
        if (c == '#') {
          state = State::Comment;
        } else if ((c == '"' || c == '\'') &&
                   (prev == '\n' || prev == '=' || prev == '[' || prev == ',' || prev == '{')) {
          // Only where toml++ starts a key or a value: elsewhere (`0"x`) it reads the quote as
          // part of a bare token and asks "whitespace?" of each character that follows.
          if (starts("\"\"\"")) {
            state = State::MultiBasic, len = 3, column += 2;
          } else if (starts("'''")) {
            state = State::MultiLiteral, len = 3, column += 2;
          } else {
            state = c == '"' ? State::Basic : State::Literal;
          }
          prev = '"';  // what the string leaves behind, for the next quote
        } else if (c != ' ' && c != '\t') {
          prev = c < 0x80 ? static_cast<char>(c) : 'x';
        }
        break;
      case State::Comment:
        if (c == '\n') state = State::Outside, prev = '\n';
        break;
      case State::Basic:
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          state = State::Outside;
        }
        if (c == '\n') state = State::Outside, escaped = false;  // toml++ reports the open string
        break;
      case State::Literal:
        if (c == '\'' || c == '\n') state = State::Outside;
        break;
      case State::MultiBasic:
        if (after_backslash) {
          const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
          if (!skipping) {  // the character right after '\': an escape's, or a line end's space
            skipping = space;
            after_backslash = space;
            break;
          }
          if (space) break;
          after_backslash = skipping = false;  // the text resumes with c
        }
        if (c == '\\') {
          after_backslash = true;
        } else if (starts("\"\"\"")) {
          size_t run = 3;  // up to two quotes before the closing ones belong to the string
          while (run < 5 && i + run < t.size() && t[i + run] == '"') ++run;
          len = run, column += run - 1, state = State::Outside;
        }
        break;
      case State::MultiLiteral:
        if (starts("'''")) {
          size_t run = 3;
          while (run < 5 && i + run < t.size() && t[i + run] == '\'') ++run;
          len = run, column += run - 1, state = State::Outside;
        }
        break;
    }
    if (c == '\n') ++line, column = 0;
    i += len;
  }
  return false;
}

}  // namespace aesync::config_input
