// The config loader: one parsed TOML file in, a validated Config out (config.h states what a
// user relies on). Internal to the config stage, in three parts:
// - loader_values.cpp: messages, unknown keys, `${VAR}` expansion, `<key>_file` reads, early
//   secret registration, and the readers of one value by its kind (keys.h);
// - loader_sections.cpp: the sections read key by key from the key table, their cross-checks
//   (required keys, lookback vs. retention, the saved join), [[columns]], and load();
// - toml_input.h: the text and files before toml++ sees them.
//
// Every error is a ConfigError thrown by fail(): `file:line:column: <message>`, the whole line
// made printable by shown() (util/text.h). load() catches them one key (or one entry, one
// cross-check) at a time with collect(), so that one run reports them all; a cross-check whose
// inputs already failed (a required key that did not parse, a section with a misspelt key) is
// skipped rather than reported as a second, misleading error.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/keys.h"
#include "util/error.h"

namespace aesync::config_loader {

//! `"s"`
std::string in_quotes(std::string_view s);
//! "a, b or c"
std::string one_of(const std::vector<std::string_view>& options);
//! [a-z_][a-z0-9_]*: output column names, safe in SQL and PostHog without quoting.
bool is_column_name(std::string_view s);

//! The single table of a config without [[tables]] (config.h, TableConfig).
TableConfig single_table(const Config& c);

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
  Loader(std::string file, std::filesystem::path base_dir, const ConfigNeeds& needs = {})
      : file_(std::move(file)), base_dir_(std::move(base_dir)), needs_(needs) {}

  Config load(std::string_view text);
  //! Dotted keys of secrets written as literal text in the file (not ${VAR}, not _file).
  const std::vector<std::string>& literal_secrets() const { return literal_secrets_; }

 private:
  using KeySpec = config_keys::KeySpec;

  std::string at(const toml::source_region& where) const;
  [[noreturn]] void fail(const toml::source_region& where, const std::string& msg) const;
  [[noreturn]] void fail_type(const toml::node& node, const std::string& dotted, std::string_view expected) const;
  void warn(const toml::source_region& where, const std::string& msg) { warnings_.push_back(at(where) + ": " + msg); }
  //! Runs `f`; a ConfigError it throws is recorded (errors_) instead. False when it threw.
  template <class F>
  bool collect(F&& f);
  //! Whether an error was recorded for `dotted` (set by read_keys and the choices).
  bool failed(const std::string& dotted) const { return failed_keys_.count(dotted) != 0; }

  // The whole file, before the sections are read (loader_values.cpp).
  //! Every unknown key, earliest first (a section holding one: unknown_in_).
  void check_keys(const toml::table& root);
  void register_secrets_early(const toml::table& root) const;
  //! Credentials in a URL are refused even in a section the command does not read (needs_):
  //! that refusal protects the logs, not the command. Needed sections check theirs in url().
  void check_unread_urls(const toml::table& root);
  //! A literal secret is a property of the file, not of the command: noted (literal_secrets_)
  //! in the sections the command does not read too, by their text alone.
  void note_unread_literal_secrets(const toml::table& root);
  //! Whether this load reads `section` ("source", "destination", "posthog") whole.
  bool reads(std::string_view section) const;
  Section section(const toml::table& root, std::string_view name) const;

  // One value (loader_values.cpp).
  std::string expand(std::string_view raw, const std::string& dotted, const toml::node& node, bool* literal) const;
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
  //! choice() under collect(): nullopt (and the key marked failed) on an error.
  template <class Enum>
  std::optional<Enum> collect_choice(const Section& s, std::string_view key, std::initializer_list<Enum> options,
                                     std::string_view context = {});
  std::optional<std::string> url(const Section& s, const KeySpec& key) const;
  std::optional<std::string> identifier(const Section& s, std::string_view key, bool allow_dash) const;
  std::optional<std::string> project_id(const Section& s, std::string_view key) const;
  //! A text key whose kind restricts its characters (account id, bucket, region, prefix, field path).
  std::optional<std::string> restricted(const Section& s, const KeySpec& key) const;
  //! Reads `key` by its kind and stores it into `c`; Choice and EntryKey keys are left to the caller.
  void read_key(const Section& s, const KeySpec& key, Config& c);
  //! Reports `key` missing or empty, unless its value failed to read or its section has a misspelt key.
  void require(const Section& s, std::string_view key, const std::string& value, const std::string& why);
  //! Warns when `url_key` is plain http:// to a host that is not loopback while `credential` is set.
  void warn_plain_http(const Section& s, std::string_view url_key, const std::string& url,
                       std::string_view credential_key, const std::string& credential);

  // The sections (loader_sections.cpp).
  //! Every key of the section but its Choice keys, by kind, in table order.
  void read_keys(const Section& s, Config& c);
  void warn_insecure(const Section& s, bool insecure);
  void read_source(const Section& s, Config& c);
  void read_destination(const Section& s, Config& c);
  void read_output(const Section& s, Config& c);
  void read_sync(const Section& s, Config& c);
  //! `full`: every key and the required ones; otherwise only what names the single table.
  void read_posthog(const Section& s, Config& c, bool full);
  //! `name`: the array's dotted name ("columns", "tables[2].columns").
  Schema read_columns(const toml::node& node, const std::string& name);
  ColumnSpec read_column(const Section& s) const;
  //! `{ blob4 = "resource" }` at `dotted`: each key a raw string column; `at_most_one` for `when`.
  std::vector<WhenCondition> read_conditions(const toml::node& node, const std::string& dotted, bool at_most_one) const;

  // [[tables]] (loader_tables.cpp).
  void read_tables(const toml::table& root, Config& c);
  TableConfig read_table(const Section& s, const Config& c);
  RollupSpec read_rollup(const toml::node& node, const std::string& dotted, const Schema& mapping) const;
  //! The join's column check, for the table `t` whose join_events_on is at `where`.
  void check_join(const TableConfig& t, const toml::node& where, const std::string& dotted) const;

  std::string file_;
  std::filesystem::path base_dir_;
  ConfigNeeds needs_;
  std::vector<std::string> literal_secrets_;
  std::vector<std::string> warnings_;
  std::vector<std::string> errors_;    //!< each a whole message line, in reading order
  std::set<std::string> failed_keys_;  //!< dotted keys whose value was refused
  std::set<std::string> unknown_in_;   //!< sections ("source", "tables[2]") holding an unknown key
};

template <class F>
bool Loader::collect(F&& f) {
  try {
    f();
    return true;
  } catch (const ConfigError& e) {
    errors_.emplace_back(e.what());
    return false;
  }
}

template <class Enum>
std::optional<Enum> Loader::collect_choice(const Section& s, std::string_view key, std::initializer_list<Enum> options,
                                           std::string_view context) {
  std::optional<Enum> v;
  if (!collect([&] { v = choice(s, key, options, context); })) failed_keys_.insert(s.dotted(key));
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
  fail(s.get(key)->source(),
       s.dotted(key) + ": invalid value " + in_quotes(*v) + std::string(context) + " (expected " + one_of(names) + ")");
}

}  // namespace aesync::config_loader
