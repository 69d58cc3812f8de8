#include "config/config.h"

#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <span>

#include "util/error.h"
#include "util/log.h"
#include "util/time.h"
#include "util/utf8.h"

namespace aesync {

std::vector<std::string> Config::secrets() const {
  // Access key ids are not secret, but redacting them too costs nothing and keeps logs clean.
  std::vector<std::string> out;
  auto add = [&](const std::string& s) {
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  add(source.api_token);
  add(source.password);
  add(destination.access_key_id);
  add(destination.secret_access_key);
  if (posthog) {
    add(posthog->api_key);
    add(posthog->read_access_key_id);
    add(posthog->read_secret_access_key);
  }
  return out;
}

namespace {

namespace fs = std::filesystem;
using Keys = std::span<const std::string_view>;

constexpr std::string_view kTopKeys[] = {"source", "destination", "output", "sync", "posthog", "columns"};
constexpr std::string_view kSourceKeys[] = {"type",
                                            "dataset",
                                            "account_id",
                                            "api_token",
                                            "api_token_file",
                                            "api_base",
                                            "window",
                                            "settle",
                                            "timeout",
                                            "max_retries",
                                            "verify",
                                            "url",
                                            "user",
                                            "password",
                                            "password_file",
                                            "database",
                                            "table",
                                            "path",
                                            "insecure_skip_verify"};
constexpr std::string_view kDestinationKeys[] = {"type",
                                                 "bucket",
                                                 "endpoint",
                                                 "region",
                                                 "access_key_id",
                                                 "access_key_id_file",
                                                 "secret_access_key",
                                                 "secret_access_key_file",
                                                 "prefix",
                                                 "path",
                                                 "insecure_skip_verify"};
constexpr std::string_view kOutputKeys[] = {"format", "compression", "row_group_rows"};
constexpr std::string_view kSyncKeys[] = {"lookback_days", "retention_days", "every", "concurrency"};
constexpr std::string_view kPostHogKeys[] = {"host",
                                             "project_id",
                                             "api_key",
                                             "api_key_file",
                                             "table",
                                             "read_access_key_id",
                                             "read_access_key_id_file",
                                             "read_secret_access_key",
                                             "read_secret_access_key_file",
                                             "join_events_on"};
constexpr std::string_view kColumnKeys[] = {"name", "from", "type", "when", "empty_as_null"};

// A `_file` holding a secret is a few hundred bytes; the cap stops `/dev/zero` and friends.
constexpr uintmax_t kMaxSecretFileBytes = 64 * 1024;
constexpr uintmax_t kMaxConfigFileBytes = 16 * 1024 * 1024;
// Names that reach SQL (dataset, database, table): far longer than any real one, short enough
// that a pasted blob is refused rather than sent in every query.
constexpr size_t kMaxIdentifierChars = 128;

constexpr const char* kRawColumnForms =
    "timestamp, _sample_interval, dataset, index1, blob1..blob20 or double1..double20";
constexpr const char* kDurationForms = "a whole number followed by s, m, h or d, e.g. \"90s\", \"5m\", \"6h\", \"1d\"";

// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("windwo").
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

std::string_view type_phrase(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

// "a, b or c"
std::string one_of(const std::vector<std::string_view>& options) {
  std::string out;
  size_t i = 0;
  for (std::string_view o : options) {
    if (i > 0) out += i + 1 == options.size() ? " or " : ", ";
    out += o;
    ++i;
  }
  return out;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [A-Za-z_][A-Za-z0-9_]* (plus '-' after the first character when allow_dash).
bool is_identifier(std::string_view s, bool allow_dash) {
  if (s.empty() || !(is_alpha(s[0]) || s[0] == '_')) return false;
  return std::all_of(s.begin() + 1, s.end(),
                     [&](char c) { return is_alpha(c) || is_digit(c) || c == '_' || (allow_dash && c == '-'); });
}

// [a-z_][a-z0-9_]*: output column names, safe in SQL and PostHog without quoting.
bool is_column_name(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_'; });
}

bool only_chars(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return is_alpha(c) || is_digit(c) || extra.find(c) != std::string_view::npos; });
}

// `s` made safe for one line of a terminal or log: control characters become escapes (\n, \t,
// \r, \u00XX) and ill-formed UTF-8 becomes U+FFFD. An error message quotes keys, variable names
// and toml++'s description of the text, all of which may hold them ("saw 't\n'").
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* u = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = u[i];
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
      }
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // A well-formed sequence is copied; an ill-formed one becomes one U+FFFD.
    size_t bad = 0;
    const size_t len = utf8::sequence(u + i, s.size() - i, &bad);
    if (len > 0) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      i += bad;
    }
  }
  return out;
}

bool has_control_char(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// "1d", "6h", "5m", "90s" for whole multiples; used to print bounds.
std::string format_duration(int64_t s) {
  if (s != 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

// Reads at most `limit` bytes of a file; false with a reason on failure.
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

// The user:password part of a URL's authority ("https://user:pw@host/..." -> "user:pw"), or
// nullopt when there is none. Without "://" the whole text is taken as the authority's start.
std::optional<std::string_view> url_userinfo(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const size_t at = url.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  return url.substr(start, at);
}

// The URL with its user:password replaced by "***", for messages.
std::string mask_url_userinfo(std::string_view url) {
  const std::optional<std::string_view> info = url_userinfo(url);
  if (!info) return std::string(url);
  const size_t pos = static_cast<size_t>(info->data() - url.data());
  return std::string(url.substr(0, pos)) + "***" + std::string(url.substr(pos + info->size()));
}

// Where the credentials of a URL key belong instead.
std::string credential_keys_hint(std::string_view dotted) {
  if (dotted == "source.api_base") return "put the token in source.api_token";
  if (dotted == "source.url") return "use source.user and source.password";
  if (dotted == "destination.endpoint")
    return "use destination.access_key_id and destination.secret_access_key";
  if (dotted == "posthog.host") return "put the key in posthog.api_key";
  return "remove them";
}

// toml++ 3.3 (Debian 12) classifies some non-ASCII code points as "whitespace or not" through
// a generated table that reaches __builtin_unreachable() for them (marzer/tomlplusplus#190,
// #295): undefined behaviour wherever its parser asks that question. These are the code points
// concerned: U+00A1..U+0499, U+2C5E..U+3057 and U+FB26..U+FEFE, less U+3000.
bool toml_whitespace_defect(uint32_t c) {
  if (c <= 0xA0 || c >= 0xFEFF || c == 0x3000) return false;
  const uint32_t child = (c - 0xA0) / 0x3FA;
  return child == 0 || child == 11 || child == 63;
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

//! One table of the file and its dotted name ("source", "columns[3]"); `table` is null when the
//! section is absent, so every lookup in it finds nothing and the defaults stay.
struct Section {
  const toml::table* table = nullptr;
  std::string name;

  const toml::node* get(std::string_view key) const { return table ? table->get(key) : nullptr; }
  std::string dotted(std::string_view key) const {
    return name.empty() ? std::string(key) : name + "." + std::string(key);
  }
};

class Loader {
 public:
  Loader(std::string file, fs::path base_dir) : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  Config load(std::string_view text);
  //! Dotted keys of secrets written as literal text in the file (not ${VAR}, not _file).
  const std::vector<std::string>& literal_secrets() const { return literal_secrets_; }

 private:
  std::string at(const toml::source_region& where) const {
    if (where.begin.line == 0) return file_;
    return file_ + ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
  }
  [[noreturn]] void fail(const toml::source_region& where, const std::string& msg) const {
    throw ConfigError(printable(at(where) + ": " + msg));
  }
  [[noreturn]] void fail_type(const toml::node& node, const std::string& dotted, std::string_view expected) const {
    fail(node.source(), dotted + ": expected " + std::string(expected) + ", got " + std::string(type_phrase(node)));
  }
  void warn(const toml::source_region& where, const std::string& msg) { warnings_.push_back(at(where) + ": " + msg); }

  struct Unknown {
    const toml::key* key = nullptr;
    std::string section;
    Keys known;
  };
  void find_unknown(const Section& s, Keys known, Unknown& first) const;
  void check_keys(const toml::table& root) const;
  Section section(const toml::table& root, std::string_view name) const;

  std::string expand(std::string_view raw, const std::string& dotted, const toml::node& node, bool* literal) const;
  void register_secrets_early(const toml::table& root) const;
  std::string string_at(const toml::node& node, const std::string& dotted, bool* literal = nullptr) const;
  std::optional<std::string> string(const Section& s, std::string_view key) const;
  std::optional<std::string> secret(const Section& s, std::string_view key, bool is_secret);
  std::optional<int64_t> integer(const Section& s, std::string_view key, int64_t lo, int64_t hi) const;
  std::optional<bool> boolean(const Section& s, std::string_view key) const;
  std::optional<int64_t> duration(const Section& s, std::string_view key, int64_t lo, int64_t hi) const;
  //! One of `options`, read by their config spelling (to_string).
  template <class Enum>
  std::optional<Enum> choice(const Section& s, std::string_view key, std::initializer_list<Enum> options,
                             std::string_view context = {}) const;
  std::optional<std::string> url(const Section& s, std::string_view key) const;
  std::optional<std::string> identifier(const Section& s, std::string_view key, bool allow_dash) const;
  void require(const Section& s, std::string_view key, const std::string& value, const std::string& why) const;
  void insecure(const Section& s, bool& out);

  void read_source(const Section& s, SourceConfig& o);
  void read_destination(const Section& s, DestinationConfig& o);
  void read_output(const Section& s, OutputConfig& o) const;
  void read_sync(const Section& s, SyncConfig& o) const;
  void read_posthog(const Section& s, PostHogConfig& o);
  Schema read_columns(const toml::node& node) const;
  ColumnSpec read_column(const Section& s) const;

  std::string file_;
  fs::path base_dir_;
  std::vector<std::string> literal_secrets_;
  std::vector<std::string> warnings_;
};

// Records in `first` the earliest (in file order) key of `s` that is not in `known`.
void Loader::find_unknown(const Section& s, Keys known, Unknown& first) const {
  if (!s.table) return;
  for (auto&& [k, v] : *s.table) {
    if (std::find(known.begin(), known.end(), k.str()) != known.end()) continue;
    const auto& pos = k.source().begin;
    if (first.key) {
      const auto& best = first.key->source().begin;
      if (pos.line > best.line || (pos.line == best.line && pos.column >= best.column)) continue;
    }
    first = Unknown{&k, s.name, known};
  }
}

// Typos are reported before anything else: a misspelt key would otherwise surface as a
// confusing "required" error, or not at all.
void Loader::check_keys(const toml::table& root) const {
  Unknown first;
  find_unknown(Section{&root, ""}, kTopKeys, first);
  const std::pair<std::string_view, Keys> sections[] = {{"source", kSourceKeys},
                                                        {"destination", kDestinationKeys},
                                                        {"output", kOutputKeys},
                                                        {"sync", kSyncKeys},
                                                        {"posthog", kPostHogKeys}};
  for (const auto& [name, keys] : sections) {
    if (const toml::node* node = root.get(name); node && node->is_table())
      find_unknown(Section{node->as_table(), std::string(name)}, keys, first);
  }
  if (const toml::node* columns = root.get("columns"); columns && columns->is_array()) {
    const toml::array& items = *columns->as_array();
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].is_table())
        find_unknown(Section{items[i].as_table(), "columns[" + std::to_string(i + 1) + "]"}, kColumnKeys, first);
    }
  }
  if (!first.key) return;
  const Section s{nullptr, first.section};
  std::string msg = "unknown key " + in_quotes(s.dotted(first.key->str()));
  std::string_view best;
  size_t best_distance = 3;  // suggest only within an edit distance of 2
  for (std::string_view k : first.known) {
    const size_t d = edit_distance(first.key->str(), k);
    if (d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  if (!best.empty()) msg += " (did you mean " + in_quotes(s.dotted(best)) + "?)";
  fail(first.key->source(), msg);
}

Section Loader::section(const toml::table& root, std::string_view name) const {
  const toml::node* node = root.get(name);
  if (!node) return Section{nullptr, std::string(name)};
  if (!node->is_table()) fail_type(*node, std::string(name), "a table");
  return Section{node->as_table(), std::string(name)};
}

// `${NAME}` -> the variable's value; `$${` -> `${`. `literal` reports whether any text came
// from the file itself rather than from a variable (a secret written in clear).
std::string Loader::expand(std::string_view raw, const std::string& dotted, const toml::node& node,
                           bool* literal) const {
  std::string out;
  bool has_literal = false;
  size_t i = 0;
  while (i < raw.size()) {
    if (raw.compare(i, 3, "$${") == 0) {
      out += "${";
      has_literal = true;
      i += 3;
      continue;
    }
    if (raw.compare(i, 2, "${") != 0) {
      out += raw[i++];
      has_literal = true;
      continue;
    }
    const size_t close = raw.find('}', i + 2);
    if (close == std::string_view::npos)
      fail(node.source(), dotted + ": unterminated \"${\" (write \"$${\" for a literal \"${\")");
    const std::string_view name = raw.substr(i + 2, close - i - 2);
    if (!is_identifier(name, false))
      fail(node.source(),
           dotted + ": invalid environment variable name " + in_quotes(name) + " (expected [A-Za-z_][A-Za-z0-9_]*)");
    const char* value = std::getenv(std::string(name).c_str());
    if (!value) fail(node.source(), dotted + ": environment variable " + std::string(name) + " is not set");
    out += value;
    i = close + 1;
  }
  if (literal) *literal = has_literal;
  return out;
}

std::string Loader::string_at(const toml::node& node, const std::string& dotted, bool* literal) const {
  if (!node.is_string()) fail_type(node, dotted, "a string");
  std::string value = expand(node.as_string()->get(), dotted, node, literal);
  // Values end up in HTTP headers, URLs and SQL: a newline there is an injection, never data.
  if (has_control_char(value)) fail(node.source(), dotted + ": contains a control character");
  return value;
}

std::optional<std::string> Loader::string(const Section& s, std::string_view key) const {
  const toml::node* node = s.get(key);
  if (!node) return std::nullopt;
  return string_at(*node, s.dotted(key));
}

std::optional<std::string> Loader::secret(const Section& s, std::string_view key, bool is_secret) {
  const std::string file_key = std::string(key) + "_file";
  const toml::node* direct = s.get(key);
  const toml::node* via_file = s.get(file_key);
  if (direct && via_file)
    fail(via_file->source(), s.dotted(key) + " and " + s.dotted(file_key) + " are both set; keep one");
  if (direct) {
    bool literal = false;
    std::string value = string_at(*direct, s.dotted(key), &literal);
    if (is_secret && literal) literal_secrets_.push_back(s.dotted(key));
    return value;
  }
  if (!via_file) return std::nullopt;
  const std::string dotted = s.dotted(file_key);
  const std::string p = string_at(*via_file, dotted);
  if (p.empty()) fail(via_file->source(), dotted + ": the path is empty");
  fs::path path(p);
  if (path.is_relative()) path = base_dir_ / path;
  std::string value, reason;
  if (!read_file(path, kMaxSecretFileBytes, value, reason))
    fail(via_file->source(), dotted + ": cannot read " + in_quotes(path.string()) + ": " + reason);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (has_control_char(value))
    fail(via_file->source(), dotted + ": " + in_quotes(path.string()) + " contains a control character");
  return value;
}

void Loader::register_secrets_early(const toml::table& root) const {
  static constexpr std::pair<std::string_view, std::string_view> kSecrets[] = {
      {"source", "api_token"},      {"source", "password"},  {"destination", "secret_access_key"},
      {"posthog", "api_key"},       {"posthog", "read_secret_access_key"}};
  for (const auto& [table, key] : kSecrets) {
    const toml::table* t = root.get_as<toml::table>(table);
    if (!t) continue;
    if (const toml::node* direct = t->get(key); direct && direct->is_string()) {
      const std::string& raw = direct->as_string()->get();
      log::add_secret(raw);
      try {
        log::add_secret(expand(raw, std::string(table) + "." + std::string(key), *direct, nullptr));
      } catch (const ConfigError&) {
        // An unset variable: reported, without any secret, by the normal pass.
      }
    }
    const toml::node* via_file = t->get(std::string(key) + "_file");
    if (via_file && via_file->is_string()) {
      fs::path path(via_file->as_string()->get());
      if (path.is_relative()) path = base_dir_ / path;
      std::string value, reason;
      if (read_file(path, kMaxSecretFileBytes, value, reason)) {
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
        log::add_secret(value);
      }
    }
  }
  // Credentials pasted into a URL are refused by url(); until then they are secrets too.
  static constexpr std::pair<std::string_view, std::string_view> kUrls[] = {
      {"source", "api_base"}, {"source", "url"}, {"destination", "endpoint"}, {"posthog", "host"}};
  for (const auto& [table, key] : kUrls) {
    const toml::table* t = root.get_as<toml::table>(table);
    const toml::node* node = t ? t->get(key) : nullptr;
    if (!node || !node->is_string()) continue;
    std::vector<std::string> forms{node->as_string()->get()};
    try {
      forms.push_back(expand(forms[0], std::string(table) + "." + std::string(key), *node, nullptr));
    } catch (const ConfigError&) {
      // An unset variable: reported by the normal pass.
    }
    for (const std::string& form : forms) {
      if (const std::optional<std::string_view> info = url_userinfo(form)) {
        log::add_secret(*info);
        if (const size_t colon = info->find(':'); colon != std::string_view::npos)
          log::add_secret(info->substr(colon + 1));
      }
    }
  }
}

std::optional<int64_t> Loader::integer(const Section& s, std::string_view key, int64_t lo, int64_t hi) const {
  const toml::node* node = s.get(key);
  if (!node) return std::nullopt;
  if (!node->is_integer()) fail_type(*node, s.dotted(key), "an integer");
  const int64_t v = node->as_integer()->get();
  if (v < lo || v > hi)
    fail(node->source(), s.dotted(key) + ": " + std::to_string(v) + " is out of range (expected " + std::to_string(lo) +
                             ".." + std::to_string(hi) + ")");
  return v;
}

std::optional<bool> Loader::boolean(const Section& s, std::string_view key) const {
  const toml::node* node = s.get(key);
  if (!node) return std::nullopt;
  if (!node->is_boolean()) fail_type(*node, s.dotted(key), "a boolean");
  return node->as_boolean()->get();
}

std::optional<int64_t> Loader::duration(const Section& s, std::string_view key, int64_t lo, int64_t hi) const {
  const toml::node* node = s.get(key);
  if (!node) return std::nullopt;
  const std::string dotted = s.dotted(key);
  if (!node->is_string()) fail_type(*node, dotted, "a duration string such as \"90s\", \"5m\", \"6h\" or \"1d\"");
  const std::string text = string_at(*node, dotted);
  std::optional<int64_t> v = parse_duration_seconds(text);
  // parse_duration_seconds refuses zero; "0s" is meaningful where the range starts at 0 (settle).
  if (!v && lo == 0 && text.size() >= 2 && std::string_view("smhd").find(text.back()) != std::string_view::npos &&
      std::all_of(text.begin(), text.end() - 1, [](char c) { return c == '0'; }))
    v = 0;
  if (!v) fail(node->source(), dotted + ": invalid duration " + in_quotes(text) + " (expected " + kDurationForms + ")");
  if (*v < lo || *v > hi)
    fail(node->source(), dotted + ": " + in_quotes(text) + " is out of range (expected " + format_duration(lo) +
                             " to " + format_duration(hi) + ")");
  return v;
}

template <class Enum>
std::optional<Enum> Loader::choice(const Section& s, std::string_view key, std::initializer_list<Enum> options,
                                   std::string_view context) const {
  std::optional<std::string> v = string(s, key);
  if (!v) return std::nullopt;
  for (Enum e : options)
    if (to_string(e) == *v) return e;
  std::vector<std::string_view> names;
  for (Enum e : options) names.push_back(to_string(e));
  fail(s.get(key)->source(), s.dotted(key) + ": invalid value " + in_quotes(*v) + std::string(context) +
                                 " (expected " + one_of(names) + ")");
}

std::optional<std::string> Loader::url(const Section& s, std::string_view key) const {
  std::optional<std::string> v = string(s, key);
  if (!v || v->empty()) return v;  // empty: reported by require() where the key is needed
  // Checked first, so that no message below quotes the credential.
  if (url_userinfo(*v))
    fail(s.get(key)->source(), s.dotted(key) + ": " + in_quotes(mask_url_userinfo(*v)) +
                                   " holds credentials (user:password@), which would show in messages and logs; " +
                                   credential_keys_hint(s.dotted(key)));
  std::string_view rest = *v;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    rest = {};
  }
  if (rest.empty() || rest.front() == '/' || rest.find(' ') != std::string_view::npos)
    fail(s.get(key)->source(), s.dotted(key) + ": expected an http:// or https:// URL, got " + in_quotes(*v));
  while (v->back() == '/') v->pop_back();  // callers append "/path"
  return v;
}

std::optional<std::string> Loader::identifier(const Section& s, std::string_view key, bool allow_dash) const {
  std::optional<std::string> v = string(s, key);
  if (!v || v->empty()) return v;  // empty: reported by require() where the key is needed
  if (!is_identifier(*v, allow_dash))
    fail(s.get(key)->source(), s.dotted(key) + ": invalid name " + in_quotes(*v) + " (expected " +
                                   (allow_dash ? "[A-Za-z_][A-Za-z0-9_-]*" : "[A-Za-z_][A-Za-z0-9_]*") + ")");
  if (v->size() > kMaxIdentifierChars)
    fail(s.get(key)->source(), s.dotted(key) + ": the name is " + std::to_string(v->size()) +
                                   " characters long (at most " + std::to_string(kMaxIdentifierChars) + ")");
  return v;
}

void Loader::require(const Section& s, std::string_view key, const std::string& value, const std::string& why) const {
  if (!value.empty()) return;
  const std::string msg = s.dotted(key) + " is required when " + why;
  const toml::node* node = s.get(key);
  if (!node) node = s.get(std::string(key) + "_file");
  if (node) fail(node->source(), msg + " (it is empty)");
  if (s.table) fail(s.table->source(), msg);
  throw ConfigError(printable(file_ + ": " + msg));
}

void Loader::insecure(const Section& s, bool& out) {
  if (std::optional<bool> v = boolean(s, "insecure_skip_verify")) {
    out = *v;
    if (out)
      warn(s.get("insecure_skip_verify")->source(),
           s.dotted("insecure_skip_verify") +
               " = true: TLS certificates are not verified (use only for test endpoints)");
  }
}

void Loader::read_source(const Section& s, SourceConfig& o) {
  if (auto v = choice(s, "type", {SourceType::AnalyticsEngine, SourceType::ClickHouse, SourceType::File})) o.type = *v;
  if (auto v = identifier(s, "dataset", true)) o.dataset = *v;
  if (auto v = string(s, "account_id")) {
    // Part of the API URL path: no '/', '?', '%' or '.' can sneak in.
    if (!v->empty() && !only_chars(*v, "_-"))
      fail(s.get("account_id")->source(),
           "source.account_id: invalid account id " + in_quotes(*v) + " (expected [A-Za-z0-9_-]+)");
    o.account_id = *v;
  }
  if (auto v = secret(s, "api_token", true)) o.api_token = *v;
  if (auto v = url(s, "api_base")) o.api_base = *v;
  if (auto v = duration(s, "window", 60, 86400)) o.window_seconds = *v;
  if (auto v = duration(s, "settle", 0, 86400)) o.settle_seconds = *v;
  if (auto v = duration(s, "timeout", 1, 3600)) o.timeout_seconds = *v;
  if (auto v = integer(s, "max_retries", 0, 20)) o.max_retries = static_cast<int>(*v);
  if (auto v = boolean(s, "verify")) o.verify = *v;
  if (auto v = url(s, "url")) o.url = *v;
  if (auto v = string(s, "user")) o.user = *v;
  if (auto v = secret(s, "password", true)) o.password = *v;
  if (auto v = identifier(s, "database", false)) o.database = *v;
  if (auto v = identifier(s, "table", false)) o.table = *v;
  if (auto v = string(s, "path")) o.path = *v;
  insecure(s, o.insecure_skip_verify);

  // A config without [source] serves `convert` (mapping and output only); the commands that
  // read a source refuse it (Config::has_source).
  if (!s.table) return;
  const std::string why = "source.type = " + in_quotes(std::string(to_string(o.type)));
  switch (o.type) {
    case SourceType::AnalyticsEngine:
      require(s, "dataset", o.dataset, why);
      require(s, "account_id", o.account_id, why);
      require(s, "api_token", o.api_token, why);
      require(s, "api_base", o.api_base, why);
      break;
    case SourceType::ClickHouse:
      require(s, "url", o.url, why);
      require(s, "database", o.database, why);
      require(s, "table", o.table, why);
      break;
    case SourceType::File:
      require(s, "path", o.path, why);
      break;
  }
}

void Loader::read_destination(const Section& s, DestinationConfig& o) {
  if (auto v = choice(s, "type", {DestinationType::R2, DestinationType::S3, DestinationType::Local})) o.type = *v;
  if (auto v = string(s, "bucket")) {
    // Goes into the URL path (path-style requests): keep it to S3's bucket alphabet.
    if (!v->empty() && (!only_chars(*v, ".-_") || v->size() > 255 || *v == "." || *v == ".."))
      fail(s.get("bucket")->source(),
           "destination.bucket: invalid bucket name " + in_quotes(*v) + " (expected [A-Za-z0-9._-]+)");
    o.bucket = *v;
  }
  if (auto v = url(s, "endpoint")) o.endpoint = *v;
  // R2 signs with region "auto"; AWS needs a real region, and us-east-1 is S3's (and MinIO's) default.
  if (auto v = string(s, "region")) {
    if (!v->empty() && !only_chars(*v, "_-"))
      fail(s.get("region")->source(),
           "destination.region: invalid region " + in_quotes(*v) + " (expected [A-Za-z0-9_-]+)");
    o.region = *v;
  } else if (o.type == DestinationType::S3) {
    o.region = "us-east-1";
  }
  if (auto v = secret(s, "access_key_id", false)) o.access_key_id = *v;
  if (auto v = secret(s, "secret_access_key", true)) o.secret_access_key = *v;
  if (auto v = string(s, "prefix")) {
    const std::string& p = *v;
    const char* problem = nullptr;
    if (p.empty()) {
      problem = "must not be empty";
    } else if (!only_chars(p, "._/-")) {
      problem = "may contain only A-Z a-z 0-9 . _ - /";
    } else if (p.front() == '/' || p.back() == '/') {
      problem = "must not start or end with '/'";
    } else if (p.find("//") != std::string::npos || p.find("..") != std::string::npos) {
      problem = "must not contain \"//\" or \"..\"";
    } else if (p == "." || p.starts_with("./") || p.ends_with("/.") || p.find("/./") != std::string::npos) {
      problem = "must not contain a \".\" segment";
    }
    if (problem) fail(s.get("prefix")->source(), "destination.prefix: invalid prefix " + in_quotes(p) + ": " + problem);
    o.prefix = p;
  }
  if (auto v = string(s, "path")) o.path = *v;
  insecure(s, o.insecure_skip_verify);

  const std::string why = "destination.type = " + in_quotes(std::string(to_string(o.type)));
  switch (o.type) {
    case DestinationType::Local:
      require(s, "path", o.path, why);
      break;
    case DestinationType::S3:
    case DestinationType::R2:
      require(s, "bucket", o.bucket, why);
      require(s, "endpoint", o.endpoint, why);
      require(s, "region", o.region, why);
      require(s, "access_key_id", o.access_key_id, why);
      require(s, "secret_access_key", o.secret_access_key, why);
      break;
  }
}

void Loader::read_output(const Section& s, OutputConfig& o) const {
  if (auto v = choice(s, "format", {OutputFormat::Parquet, OutputFormat::Csv})) o.format = *v;
  switch (o.format) {
    case OutputFormat::Csv:
      o.compression = Compression::None;
      if (auto v = choice(s, "compression", {Compression::Gzip, Compression::None}, " for format \"csv\""))
        o.compression = *v;
      break;
    case OutputFormat::Parquet:
      o.compression = Compression::Zstd;
      if (auto v = choice(s, "compression", {Compression::Zstd, Compression::Snappy, Compression::Gzip, Compression::None},
                          " for format \"parquet\""))
        o.compression = *v;
      break;
  }
  if (auto v = integer(s, "row_group_rows", 1, int64_t{1} << 24)) o.row_group_rows = *v;
}

void Loader::read_sync(const Section& s, SyncConfig& o) const {
  if (auto v = integer(s, "lookback_days", 0, 90)) o.lookback_days = static_cast<int>(*v);
  if (auto v = integer(s, "retention_days", 1, 3650)) o.retention_days = static_cast<int>(*v);
  if (auto v = duration(s, "every", 60, 86400)) o.every_seconds = *v;
  if (auto v = integer(s, "concurrency", 1, 64)) o.concurrency = static_cast<int>(*v);
  // Otherwise every run would re-export days that prune deletes right after.
  if (o.lookback_days >= o.retention_days) {
    const toml::node* node = s.get("lookback_days") ? s.get("lookback_days") : s.get("retention_days");
    fail(node->source(), "sync.lookback_days (" + std::to_string(o.lookback_days) +
                             ") must be less than sync.retention_days (" + std::to_string(o.retention_days) + ")");
  }
}

void Loader::read_posthog(const Section& s, PostHogConfig& o) {
  if (auto v = url(s, "host")) o.host = *v;
  if (const toml::node* node = s.get("project_id")) {
    // PostHog project ids are numbers; people write them either way. Part of the API URL path.
    if (node->is_integer()) {
      o.project_id = std::to_string(node->as_integer()->get());
    } else if (node->is_string()) {
      o.project_id = string_at(*node, "posthog.project_id");
    } else {
      fail_type(*node, "posthog.project_id", "a string or an integer");
    }
    if (!o.project_id.empty() && !std::all_of(o.project_id.begin(), o.project_id.end(), is_digit))
      fail(node->source(), "posthog.project_id: invalid project id " + in_quotes(o.project_id) + " (expected digits)");
  }
  if (auto v = secret(s, "api_key", true)) o.api_key = *v;
  if (auto v = identifier(s, "table", false)) o.table = *v;
  if (auto v = secret(s, "read_access_key_id", false)) o.read_access_key_id = *v;
  if (auto v = secret(s, "read_secret_access_key", true)) o.read_secret_access_key = *v;
  if (auto v = string(s, "join_events_on")) {
    // A HogQL field path such as properties.machine_id or properties.$host.
    const std::string& j = *v;
    const bool ok = j.empty() || (only_chars(j, "_.$") && j.front() != '.' && j.back() != '.' && !is_digit(j.front()) &&
                                  j.find("..") == std::string::npos);
    if (!ok)
      fail(s.get("join_events_on")->source(), "posthog.join_events_on: invalid field " + in_quotes(j) +
                                                  " (expected a path such as properties.machine_id)");
    o.join_events_on = j;
  }
  const std::string why = "[posthog] is present";
  require(s, "project_id", o.project_id, why);
  require(s, "api_key", o.api_key, why);
  require(s, "table", o.table, why);
  require(s, "read_access_key_id", o.read_access_key_id, why);
  require(s, "read_secret_access_key", o.read_secret_access_key, why);
}

std::string_view raw_kind_phrase(const RawColumn& r) {
  switch (r.kind) {
    case RawColumn::Kind::Timestamp: return "the timestamp column";
    case RawColumn::Kind::SampleInterval: return "an integer column";
    case RawColumn::Kind::Double: return "a double column";
    case RawColumn::Kind::Dataset:
    case RawColumn::Kind::Index:
    case RawColumn::Kind::Blob: return "a string column";
  }
  return "a column";
}

ColumnType natural_type(const RawColumn& r) {
  switch (r.kind) {
    case RawColumn::Kind::Timestamp: return ColumnType::Timestamp;
    case RawColumn::Kind::SampleInterval: return ColumnType::Int64;
    case RawColumn::Kind::Double: return ColumnType::Double;
    case RawColumn::Kind::Dataset:
    case RawColumn::Kind::Index:
    case RawColumn::Kind::Blob: return ColumnType::String;
  }
  return ColumnType::String;
}

ColumnSpec Loader::read_column(const Section& s) const {
  ColumnSpec c;
  const toml::node* name_node = s.get("name");
  if (!name_node) fail(s.table->source(), s.dotted("name") + " is required");
  c.name = string_at(*name_node, s.dotted("name"));
  if (!is_column_name(c.name))
    fail(name_node->source(),
         s.dotted("name") + ": invalid column name " + in_quotes(c.name) + " (expected [a-z_][a-z0-9_]*)");
  const std::string label = s.name + " " + in_quotes(c.name);

  const toml::node* from_node = s.get("from");
  if (!from_node) fail(s.table->source(), s.dotted("from") + " is required");
  const std::string from = string_at(*from_node, s.dotted("from"));
  std::optional<RawColumn> raw = RawColumn::parse(from);
  if (!raw)
    fail(from_node->source(),
         s.dotted("from") + ": unknown raw column " + in_quotes(from) + " (expected " + kRawColumnForms + ")");
  c.from = *raw;

  c.type = natural_type(c.from);
  if (const toml::node* type_node = s.get("type")) {
    const std::string t = string_at(*type_node, s.dotted("type"));
    if (t == "string") {
      c.type = ColumnType::String;
    } else if (t == "double") {
      c.type = ColumnType::Double;
    } else if (t == "int64") {
      c.type = ColumnType::Int64;
    } else if (t == "timestamp") {
      c.type = ColumnType::Timestamp;
    } else {
      fail(type_node->source(),
           s.dotted("type") + ": invalid value " + in_quotes(t) + " (expected string, double, int64 or timestamp)");
    }
    if (!can_map(c.from, c.type))
      fail(type_node->source(),
           label + ": type " + t + " cannot be made from " + from + " (" + std::string(raw_kind_phrase(c.from)) + ")");
  }

  if (const toml::node* when_node = s.get("when")) {
    const std::string dotted = s.dotted("when");
    if (!when_node->is_table()) fail_type(*when_node, dotted, "a table such as { blob4 = \"resource\" }");
    const toml::table& when = *when_node->as_table();
    if (when.size() != 1)
      fail(when_node->source(), dotted + ": expected exactly one condition such as { blob4 = \"resource\" }, got " +
                                    std::to_string(when.size()));
    const auto first = when.begin();  // its proxy pair lives inside the iterator
    const auto& [key, value] = *first;
    std::optional<RawColumn> cond = RawColumn::parse(key.str());
    if (!cond || !cond->is_string())
      fail(key.source(), dotted + ": " + in_quotes(key.str()) +
                             " is not a raw string column (expected dataset, index1 or blob1..blob20)");
    c.when = WhenCondition{*cond, string_at(value, dotted + "." + std::string(key.str()))};
  }

  if (std::optional<bool> v = boolean(s, "empty_as_null")) {
    if (*v && c.type != ColumnType::String)
      fail(s.get("empty_as_null")->source(),
           label + ": empty_as_null applies only to string columns, not " + std::string(to_string(c.type)));
    c.empty_as_null = *v;
  }
  return c;
}

Schema Loader::read_columns(const toml::node& node) const {
  constexpr std::string_view kExpected = "an array of tables ([[columns]])";
  if (!node.is_array()) fail_type(node, "columns", kExpected);
  const toml::array& items = *node.as_array();
  if (items.empty()) fail(node.source(), "columns: at least one column is required (or leave [[columns]] out)");
  Schema schema;
  std::map<std::string, std::pair<size_t, toml::source_region>, std::less<>> seen;  // name -> (N, where)
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string name = "columns[" + std::to_string(i + 1) + "]";
    const toml::node& item = items[i];
    if (!item.is_table()) fail_type(item, name, "a table");
    const Section s{item.as_table(), name};
    ColumnSpec c = read_column(s);
    const toml::source_region where = s.get("name")->source();
    auto [it, inserted] = seen.try_emplace(c.name, i + 1, where);
    if (!inserted)
      fail(where, s.dotted("name") + ": duplicate column name " + in_quotes(c.name) + " (also columns[" +
                      std::to_string(it->second.first) + "] at line " + std::to_string(it->second.second.begin.line) +
                      ")");
    schema.columns.push_back(std::move(c));
  }
  return schema;
}

Config Loader::load(std::string_view text) {
  size_t line = 0, column = 0;
  uint32_t cp = 0;
  bool in_string = false;
  if (find_toml_hazard(text, line, column, cp, in_string)) {
    char u[16];
    std::snprintf(u, sizeof u, "U+%04X", static_cast<unsigned>(cp));
    throw ConfigError(printable(file_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                                (in_string ? std::string("character ") + u +
                                                 " right after a backslash in a multi-line string is not supported"
                                           : std::string("unexpected character ") + u + " outside a string")));
  }
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file_));
  } catch (const toml::parse_error& e) {
    fail(e.source(), std::string(e.description()));
  }
  // Before any validation can quote a value: an error about another key must not print a
  // secret that was pasted there too.
  register_secrets_early(root);
  check_keys(root);

  Config c;
  c.file = file_;
  const Section source = section(root, "source");
  c.has_source = source.table != nullptr;
  read_source(source, c.source);
  read_destination(section(root, "destination"), c.destination);
  read_output(section(root, "output"), c.output);
  read_sync(section(root, "sync"), c.sync);
  const Section posthog = section(root, "posthog");
  if (posthog.table) {
    c.posthog.emplace();
    read_posthog(posthog, *c.posthog);
  }
  if (const toml::node* columns = root.get("columns")) {
    c.schema = read_columns(*columns);
    c.builtin_schema = false;
  }
  // SPEC §8: the saved join is `events.<join_events_on> = <table>.machine_id`.
  if (c.posthog && !c.posthog->join_events_on.empty() &&
      std::none_of(c.schema.columns.begin(), c.schema.columns.end(),
                   [](const ColumnSpec& col) { return col.name == "machine_id"; }))
    fail(posthog.get("join_events_on")->source(),
         "posthog.join_events_on: the saved join needs a column named machine_id, which [[columns]] does not define");
  c.warnings = warnings_;
  return c;
}

fs::path base_dir_of(const std::string& file) { return fs::path(file).parent_path(); }

}  // namespace

Config parse_config(std::string_view toml_text, const std::string& file_name) {
  return Loader(file_name, base_dir_of(file_name)).load(toml_text);
}

Config load_config(const std::string& path) {
  std::error_code ec;
  // When exists() fails, read_file says why.
  if (!fs::exists(path, ec) && !ec) throw ConfigError(printable("config file " + path + " not found"));
  std::string text, reason;
  if (!read_file(path, kMaxConfigFileBytes, text, reason))
    throw ConfigError(printable("config file " + path + ": cannot read: " + reason));
  Loader loader(path, base_dir_of(path));
  Config c = loader.load(text);
  struct stat st {};
  if (!loader.literal_secrets().empty() && ::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    std::string keys;
    for (const std::string& k : loader.literal_secrets()) keys += (keys.empty() ? "" : ", ") + k;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    c.warnings.push_back(path + ": " + keys + (loader.literal_secrets().size() == 1 ? " is" : " are") +
                         " written in clear in a file that group or others can read (mode " + mode +
                         "); use ${VAR} or <key>_file, or chmod 600 " + path);
  }
  return c;
}

Config default_config() {
  Config c;
  // Move-assigned: assigning the literals trips GCC 12's false -Wrestrict at -O2 (GCC bug 105329).
  c.source.type = SourceType::File;
  c.source.path = std::string("-");
  c.has_source = true;
  return c;
}

std::string_view to_string(SourceType t) {
  switch (t) {
    case SourceType::AnalyticsEngine: return "analytics-engine";
    case SourceType::ClickHouse: return "clickhouse";
    case SourceType::File: return "file";
  }
  return "?";
}

std::string_view to_string(DestinationType t) {
  switch (t) {
    case DestinationType::Local: return "local";
    case DestinationType::S3: return "s3";
    case DestinationType::R2: return "r2";
  }
  return "?";
}

std::string_view to_string(OutputFormat f) {
  switch (f) {
    case OutputFormat::Parquet: return "parquet";
    case OutputFormat::Csv: return "csv";
  }
  return "?";
}

std::string_view to_string(Compression c) {
  switch (c) {
    case Compression::None: return "none";
    case Compression::Zstd: return "zstd";
    case Compression::Snappy: return "snappy";
    case Compression::Gzip: return "gzip";
  }
  return "?";
}

std::optional<OutputFormat> parse_output_format(std::string_view s) {
  for (OutputFormat f : {OutputFormat::Parquet, OutputFormat::Csv})
    if (to_string(f) == s) return f;
  return std::nullopt;
}

}  // namespace aesync
