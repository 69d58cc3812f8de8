// The config loader, one value at a time: error messages, unknown keys ("did you mean"),
// `${VAR}` expansion, `<key>_file` reads, the secrets registered before any validation can
// quote them, and the readers of each kind of key (keys.h). loader.h describes the parts.
#include <algorithm>
#include <cstdlib>

#include "config/loader.h"
#include "config/toml_input.h"
#include "util/error.h"
#include "util/log.h"
#include "util/text.h"
#include "util/time.h"

namespace aesync::config_loader {

namespace fs = std::filesystem;
using config_input::kMaxSecretFileBytes;
using config_input::read_file;
using config_keys::KeyKind;

namespace {

// Names that reach SQL (dataset, database, table): far longer than any real one, short enough
// that a pasted blob is refused rather than sent in every query.
constexpr size_t kMaxIdentifierChars = 128;

constexpr const char* kDurationForms = "a whole number followed by s, m, h or d, e.g. \"90s\", \"5m\", \"6h\", \"1d\"";

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

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [A-Za-z_][A-Za-z0-9_]* (plus '-' after the first character when allow_dash).
bool is_identifier(std::string_view s, bool allow_dash) {
  if (s.empty() || !(is_alpha(s[0]) || s[0] == '_')) return false;
  return std::all_of(s.begin() + 1, s.end(),
                     [&](char c) { return is_alpha(c) || is_digit(c) || c == '_' || (allow_dash && c == '-'); });
}

bool only_chars(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return is_alpha(c) || is_digit(c) || extra.find(c) != std::string_view::npos; });
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

// What is wrong with a restricted text value (after "<key>: "), or empty when it is fine. An
// empty value passes: require() reports it where the key is needed.
std::string restricted_problem(KeyKind kind, const std::string& v) {
  if (v.empty() && kind != KeyKind::Prefix) return {};
  switch (kind) {
    case KeyKind::AccountId:
      // Part of the API URL path: no '/', '?', '%' or '.' can sneak in.
      if (!only_chars(v, "_-")) return "invalid account id " + in_quotes(v) + " (expected [A-Za-z0-9_-]+)";
      return {};
    case KeyKind::BucketName:
      // Goes into the URL path (path-style requests): keep it to S3's bucket alphabet.
      if (!only_chars(v, ".-_") || v.size() > 255 || v == "." || v == "..")
        return "invalid bucket name " + in_quotes(v) + " (expected [A-Za-z0-9._-]+)";
      return {};
    case KeyKind::Region:
      if (!only_chars(v, "_-")) return "invalid region " + in_quotes(v) + " (expected [A-Za-z0-9_-]+)";
      return {};
    case KeyKind::Prefix: {
      const char* problem = nullptr;
      if (v.empty()) {
        problem = "must not be empty";
      } else if (!only_chars(v, "._/-")) {
        problem = "may contain only A-Z a-z 0-9 . _ - /";
      } else if (v.front() == '/' || v.back() == '/') {
        problem = "must not start or end with '/'";
      } else if (v.find("//") != std::string::npos || v.find("..") != std::string::npos) {
        problem = "must not contain \"//\" or \"..\"";
      } else if (v == "." || v.starts_with("./") || v.ends_with("/.") || v.find("/./") != std::string::npos) {
        problem = "must not contain a \".\" segment";
      }
      return problem ? "invalid prefix " + in_quotes(v) + ": " + problem : std::string();
    }
    case KeyKind::FieldPath: {
      // A HogQL field path such as properties.machine_id or properties.$host.
      const bool ok = only_chars(v, "_.$") && v.front() != '.' && v.back() != '.' && !is_digit(v.front()) &&
                      v.find("..") == std::string::npos;
      return ok ? std::string() : "invalid field " + in_quotes(v) + " (expected a path such as properties.machine_id)";
    }
    default: return {};
  }
}

}  // namespace

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

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

bool is_column_name(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_'; });
}

std::string Loader::at(const toml::source_region& where) const {
  if (where.begin.line == 0) return file_;
  return file_ + ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
}

// The message quotes keys, variable names, values and toml++'s description of the text, any of
// which may hold control characters ("saw 't\n'") or ill-formed UTF-8.
void Loader::fail(const toml::source_region& where, const std::string& msg) const {
  throw ConfigError(shown(at(where) + ": " + msg));
}

void Loader::fail_type(const toml::node& node, const std::string& dotted, std::string_view expected) const {
  fail(node.source(), dotted + ": expected " + std::string(expected) + ", got " + std::string(type_phrase(node)));
}

// Typos are reported before anything else: a misspelt key would otherwise surface as a
// confusing "required" error, or not at all. The earliest unknown key in file order is the one
// reported, with the nearest known key of its table (edit distance at most 2) as a suggestion.
namespace {

// Calls `f(entry, "<name>[N]")` for each table of the array `node` (nothing when it is not one).
template <class F>
void for_each_entry(const toml::node& node, const std::string& name, F&& f) {
  const toml::array* items = node.as_array();
  if (!items) return;
  for (size_t i = 0; i < items->size(); ++i)
    if (const toml::table* entry = (*items)[i].as_table()) f(*entry, name + "[" + std::to_string(i + 1) + "]");
}

}  // namespace

void Loader::check_keys(const toml::table& root) const {
  struct Unknown {
    const toml::key* key = nullptr;
    std::string section;
    const std::vector<std::string>* known = nullptr;
  } first;
  auto find_unknown = [&](const toml::table& table, std::string section, const std::vector<std::string>& known) {
    for (auto&& [k, v] : table) {
      if (std::find(known.begin(), known.end(), k.str()) != known.end()) continue;
      const auto& pos = k.source().begin;
      if (first.key) {
        const auto& best = first.key->source().begin;
        if (pos.line > best.line || (pos.line == best.line && pos.column >= best.column)) continue;
      }
      first = Unknown{&k, section, &known};
    }
  };
  find_unknown(root, "", config_keys::known_keys(""));
  for (std::string_view name : config_keys::sections()) {
    const toml::node* node = root.get(name);
    if (!node) continue;
    if (name == "columns" || name == "tables") {  // arrays of tables; anything else is their readers' to report
      for_each_entry(*node, std::string(name), [&](const toml::table& entry, const std::string& entry_name) {
        find_unknown(entry, entry_name, config_keys::known_keys(name));
        if (name != "tables") return;
        if (const toml::node* columns = entry.get("columns"))
          for_each_entry(*columns, entry_name + ".columns",
                         [&](const toml::table& column, const std::string& column_name) {
                           find_unknown(column, column_name, config_keys::known_keys("columns"));
                         });
      });
    } else if (node->is_table()) {
      find_unknown(*node->as_table(), std::string(name), config_keys::known_keys(name));
    }
  }
  if (!first.key) return;
  const Section s{nullptr, first.section};
  std::string msg = "unknown key " + in_quotes(s.dotted(first.key->str()));
  const std::string_view best = nearest(first.key->str(), *first.known);
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

// Before any validation can quote a value: an error about another key must not print a secret
// that was pasted there too. Registers every form of every secret key (as written, expanded,
// read from its `_file`) and the credentials pasted into a URL key.
void Loader::register_secrets_early(const toml::table& root) const {
  for (const KeySpec& k : config_keys::all_keys()) {
    if (!k.secret() && k.kind != KeyKind::Url) continue;
    const toml::table* t = root.get_as<toml::table>(k.section);
    if (!t) continue;
    const std::string dotted = std::string(k.section) + "." + std::string(k.name);
    if (k.secret()) {
      if (const toml::node* direct = t->get(k.name); direct && direct->is_string()) {
        const std::string& raw = direct->as_string()->get();
        log::add_secret(raw);
        try {
          log::add_secret(expand(raw, dotted, *direct, nullptr));
        } catch (const ConfigError&) {
          // An unset variable: reported, without any secret, by the normal pass.
        }
      }
      const toml::node* via_file = t->get(std::string(k.name) + "_file");
      if (via_file && via_file->is_string()) {
        fs::path path(via_file->as_string()->get());
        if (path.is_relative()) path = base_dir_ / path;
        std::string value, reason;
        if (read_file(path, kMaxSecretFileBytes, value, reason)) {
          while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
          log::add_secret(value);
        }
      }
    } else if (k.kind == KeyKind::Url) {
      // Credentials pasted into a URL are refused by url(); until then they are secrets too.
      const toml::node* node = t->get(k.name);
      if (!node || !node->is_string()) continue;
      std::vector<std::string> forms{node->as_string()->get()};
      try {
        forms.push_back(expand(forms[0], dotted, *node, nullptr));
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

std::optional<std::string> Loader::url(const Section& s, const KeySpec& key) const {
  std::optional<std::string> v = string(s, key.name);
  if (!v || v->empty()) return v;  // empty: reported by require() where the key is needed
  const toml::node* node = s.get(key.name);
  // Checked first, so that no message below quotes the credential.
  if (url_userinfo(*v))
    fail(node->source(), s.dotted(key.name) + ": " + in_quotes(mask_url_userinfo(*v)) +
                             " holds credentials (user:password@), which would show in messages and logs; " +
                             std::string(key.credentials_hint.empty() ? "remove them" : key.credentials_hint));
  std::string_view rest = *v;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    rest = {};
  }
  if (rest.empty() || rest.front() == '/' || rest.find(' ') != std::string_view::npos)
    fail(node->source(), s.dotted(key.name) + ": expected an http:// or https:// URL, got " + in_quotes(*v));
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

// PostHog project ids are numbers; people write them either way. Part of the API URL path.
std::optional<std::string> Loader::project_id(const Section& s, std::string_view key) const {
  const toml::node* node = s.get(key);
  if (!node) return std::nullopt;
  std::string id;
  if (node->is_integer()) {
    id = std::to_string(node->as_integer()->get());
  } else if (node->is_string()) {
    id = string_at(*node, s.dotted(key));
  } else {
    fail_type(*node, s.dotted(key), "a string or an integer");
  }
  if (!id.empty() && !std::all_of(id.begin(), id.end(), is_digit))
    fail(node->source(), s.dotted(key) + ": invalid project id " + in_quotes(id) + " (expected digits)");
  return id;
}

std::optional<std::string> Loader::restricted(const Section& s, const KeySpec& key) const {
  std::optional<std::string> v = string(s, key.name);
  if (!v) return v;
  if (const std::string problem = restricted_problem(key.kind, *v); !problem.empty())
    fail(s.get(key.name)->source(), s.dotted(key.name) + ": " + problem);
  return v;
}

void Loader::read_key(const Section& s, const KeySpec& key, Config& c) {
  switch (key.kind) {
    case KeyKind::String:
      if (auto v = string(s, key.name)) *key.text(c) = std::move(*v);
      return;
    case KeyKind::Name:
    case KeyKind::DashedName:
      if (auto v = identifier(s, key.name, key.kind == KeyKind::DashedName)) *key.text(c) = std::move(*v);
      return;
    case KeyKind::Url:
      if (auto v = url(s, key)) *key.text(c) = std::move(*v);
      return;
    case KeyKind::Duration:
      if (auto v = duration(s, key.name, key.lo, key.hi)) key.number(c, *v);
      return;
    case KeyKind::Integer:
      if (auto v = integer(s, key.name, key.lo, key.hi)) key.number(c, *v);
      return;
    case KeyKind::Boolean:
      if (auto v = boolean(s, key.name)) *key.flag(c) = *v;
      return;
    case KeyKind::Secret:
    case KeyKind::AccessKeyId:
      if (auto v = secret(s, key.name, key.secret())) *key.text(c) = std::move(*v);
      return;
    case KeyKind::AccountId:
    case KeyKind::BucketName:
    case KeyKind::Region:
    case KeyKind::Prefix:
    case KeyKind::FieldPath:
      if (auto v = restricted(s, key)) *key.text(c) = std::move(*v);
      return;
    case KeyKind::ProjectId:
      if (auto v = project_id(s, key.name)) *key.text(c) = std::move(*v);
      return;
    case KeyKind::Choice:
    case KeyKind::EntryKey: return;  // read by the section's own reader
  }
}

void Loader::require(const Section& s, std::string_view key, const std::string& value, const std::string& why) const {
  if (!value.empty()) return;
  const std::string msg = s.dotted(key) + " is required when " + why;
  const toml::node* node = s.get(key);
  if (!node) node = s.get(std::string(key) + "_file");
  if (node) fail(node->source(), msg + " (it is empty)");
  if (s.table) fail(s.table->source(), msg);
  throw ConfigError(shown(file_ + ": " + msg));
}

}  // namespace aesync::config_loader
