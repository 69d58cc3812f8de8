// Logging: one line per event on stderr, as text (on a TTY) or JSON (docs/observability.md), with named
// fields (partition, window, rows, bytes, duration_ms...). Every line passes through the one
// redaction point: values registered with add_secret() are replaced by "***" wherever they
// appear, so no token or secret key can reach the log whatever a message quotes. The message
// and each text field are redacted before JSON encoding (which would escape a secret's '"' or
// '\'), and a secret cut short by a quote ("...", "…", or the end of a value) loses the part
// that is left (six bytes or more).
//
// A status line (a command's progress bar, sync/progress.h) may sit under the log on a
// terminal: every log line is then written above it (the line is erased, the log line written,
// the status line drawn again), in one write under the log's lock, so no log line is ever
// written over the bar and no bar over a log line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace aesync::log {

enum class Level { Debug, Info, Warn, Error, Off };
enum class Format { Text, Json };

struct Field {
  std::string_view key;
  std::variant<std::string_view, int64_t, double> value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, int64_t v) : key(k), value(v) {}
  Field(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, int v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
};

void set_level(Level level);
void set_format(Format format);
Level level();
//! Parses "debug", "info", "warn", "error", "off".
bool parse_level(std::string_view name, Level& out);

//! Registers a secret value; it never appears in any output that goes through redact().
void add_secret(std::string_view secret);
//! `text` with every registered secret replaced by "***".
std::string redact(std::string_view text);

//! Draws `line` as the status line under the log ("\r", erase, the line; no newline), replacing
//! the previous one; an empty `line` erases it. Only for a terminal: the caller decides.
void set_status_line(std::string_view line);
//! Where log lines and the status line go (stderr by default; tests pass a memory stream).
void set_output(std::FILE* out);

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});
inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Debug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Error, m, f); }

}  // namespace aesync::log
