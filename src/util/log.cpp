#include "util/log.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <vector>

#include "util/json_writer.h"
#include "util/time.h"

namespace aesync::log {

namespace {

struct State {
  std::mutex mutex;
  Level level = Level::Info;
  Format format = isatty(STDERR_FILENO) ? Format::Text : Format::Json;
  std::vector<std::string> secrets;
  std::FILE* out = stderr;
  std::string status_line;  // drawn under the log; empty: none
};

// Erases the terminal's current line: the cursor to column 0, then erase to the end of line.
constexpr std::string_view kEraseLine = "\r\x1b[K";

State& state() {
  static State s;
  return s;
}

std::string_view level_name(Level l) {
  switch (l) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
    case Level::Off: return "off";
  }
  return "?";
}

// A secret cut short leaves at least this many of its first bytes before the cut to be masked;
// fewer say nothing about it, and shorter matches would mask ordinary words.
constexpr size_t kMinCutPrefix = 6;

// Where messages cut a quoted text short: "..." and "…" (U+2026).
constexpr std::string_view kCutMarks[] = {"...", "\xE2\x80\xA6"};

// Masks a prefix of `secret` that ends at `end` (a cut mark or the end of the text), keeping
// the longest; returns the start of what it looked at.
size_t mask_cut_prefix(std::string& out, size_t end, const std::string& secret) {
  for (size_t k = std::min(end, secret.size() - 1); k >= kMinCutPrefix; --k) {
    if (out.compare(end - k, k, secret, 0, k) == 0) {
      out.replace(end - k, k, "***");
      return end - k;
    }
  }
  return end;
}

std::string redact_locked(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const std::string& s : secrets) {
    for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 3))
      out.replace(pos, s.size(), "***");
  }
  // Messages quote at most so many bytes of a server's answer or an input line, and the cut can
  // fall inside a secret that the answer echoed: the part before the cut is masked too.
  for (const std::string& s : secrets) {
    if (s.size() <= kMinCutPrefix) continue;
    mask_cut_prefix(out, out.size(), s);
    for (std::string_view mark : kCutMarks) {
      for (size_t pos = out.find(mark); pos != std::string::npos; pos = out.find(mark, pos + mark.size())) {
        const size_t start = mask_cut_prefix(out, pos, s);
        if (start != pos) pos = start + 3;  // the mark now follows "***"
      }
    }
  }
  return out;
}

}  // namespace

void set_level(Level level) { state().level = level; }
void set_format(Format format) { state().format = format; }
Level level() { return state().level; }

bool parse_level(std::string_view name, Level& out) {
  for (Level l : {Level::Debug, Level::Info, Level::Warn, Level::Error, Level::Off}) {
    if (name == level_name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

void add_secret(std::string_view secret) {
  // Very short values would turn ordinary words into "***"; real secrets are long.
  if (secret.size() < 4) return;
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (std::find(s.secrets.begin(), s.secrets.end(), secret) == s.secrets.end()) s.secrets.emplace_back(secret);
  // Longest first, so a secret containing another is replaced whole.
  std::sort(s.secrets.begin(), s.secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string redact(std::string_view text) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  return redact_locked(text, s.secrets);
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  State& s = state();
  if (level < s.level || s.level == Level::Off) return;
  // The message and every text field are redacted before they are encoded: JSON escapes a
  // secret's '"' or '\\', and the line would no longer hold the secret as registered. Each
  // on its own, so that a value cut short at its end is recognised as such.
  std::string redacted_message;
  std::vector<std::string> redacted_fields;
  redacted_fields.reserve(fields.size());
  {
    std::lock_guard lock(s.mutex);
    redacted_message = redact_locked(message, s.secrets);
    for (const Field& f : fields)
      if (auto* sv = std::get_if<std::string_view>(&f.value)) redacted_fields.push_back(redact_locked(*sv, s.secrets));
  }
  message = redacted_message;
  size_t next_text = 0;
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::string line;
  if (s.format == Format::Json) {
    line = "{\"ts\":";
    json::append_string(line, format_timestamp_ms(now_ms));
    line += ",\"level\":";
    json::append_string(line, level_name(level));
    line += ",\"msg\":";
    json::append_string(line, message);
    for (const Field& f : fields) {
      line += ',';
      json::append_string(line, f.key);
      line += ':';
      if (std::holds_alternative<std::string_view>(f.value))
        json::append_string(line, redacted_fields[next_text++]);
      else if (auto* i = std::get_if<int64_t>(&f.value))
        line += std::to_string(*i);
      else
        json::append_double(line, std::get<double>(f.value));
    }
    line += "}\n";
  } else {
    line = std::string(level_name(level)) + ": " + std::string(message);
    for (const Field& f : fields) {
      line += ' ';
      line += f.key;
      line += '=';
      if (std::holds_alternative<std::string_view>(f.value))
        line += redacted_fields[next_text++];
      else if (auto* i = std::get_if<int64_t>(&f.value))
        line += std::to_string(*i);
      else
        json::append_double(line, std::get<double>(f.value));
    }
    line += '\n';
  }
  std::lock_guard lock(s.mutex);
  std::string out = redact_locked(line, s.secrets);
  if (!s.status_line.empty()) {
    // Above the bar: erase it, write the line, draw it again, all in one write.
    out.insert(0, kEraseLine);
    out += s.status_line;
  }
  std::fwrite(out.data(), 1, out.size(), s.out);
  if (!s.status_line.empty()) std::fflush(s.out);
}

void set_status_line(std::string_view line) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (line.empty() && s.status_line.empty()) return;
  std::string out(kEraseLine);
  out += redact_locked(line, s.secrets);
  s.status_line = out.substr(kEraseLine.size());
  std::fwrite(out.data(), 1, out.size(), s.out);
  std::fflush(s.out);
}

void set_output(std::FILE* out) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.out = out;
}

}  // namespace aesync::log
