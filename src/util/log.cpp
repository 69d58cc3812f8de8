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
};

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

std::string redact_locked(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const std::string& s : secrets) {
    for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 3)) out.replace(pos, s.size(), "***");
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
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
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
      if (auto* sv = std::get_if<std::string_view>(&f.value))
        json::append_string(line, *sv);
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
      if (auto* sv = std::get_if<std::string_view>(&f.value))
        line += *sv;
      else if (auto* i = std::get_if<int64_t>(&f.value))
        line += std::to_string(*i);
      else
        json::append_double(line, std::get<double>(f.value));
    }
    line += '\n';
  }
  std::lock_guard lock(s.mutex);
  const std::string out = redact_locked(line, s.secrets);
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace aesync::log
