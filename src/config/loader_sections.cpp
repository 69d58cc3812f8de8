// The config loader, section by section: each section's keys read in key-table order (keys.h)
// by their kind, then the section's cross-checks (the keys its `type` requires, lookback vs.
// retention, the saved join's column), the [[columns]] mapping, and load(), which runs the
// phases in order. loader.h describes the parts.
#include <algorithm>
#include <cstdio>
#include <map>

#include "config/loader.h"
#include "config/toml_input.h"
#include "util/error.h"
#include "util/text.h"

namespace aesync::config_loader {

namespace {

constexpr const char* kRawColumnForms =
    "timestamp, _sample_interval, dataset, index1, blob1..blob20 or double1..double20";

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

}  // namespace

void Loader::read_keys(const Section& s, Config& c) {
  for (const KeySpec& k : config_keys::all_keys())
    if (k.section == s.name && !collect([&] { read_key(s, k, c); })) failed_keys_.insert(s.dotted(k.name));
}

void Loader::warn_insecure(const Section& s, bool insecure) {
  if (insecure)
    warn(s.get("insecure_skip_verify")->source(),
         s.dotted("insecure_skip_verify") + " = true: TLS certificates are not verified (use only for test endpoints)");
}

void Loader::read_source(const Section& s, Config& c) {
  SourceConfig& o = c.source;
  if (auto v = collect_choice(s, "type", {SourceType::AnalyticsEngine, SourceType::ClickHouse, SourceType::File}))
    o.type = *v;
  read_keys(s, c);
  warn_insecure(s, o.insecure_skip_verify);

  // A config without [source] serves `convert` (mapping and output only); the commands that
  // read a source refuse it (Config::has_source). Which keys are required depends on the type.
  if (!s.table || failed("source.type")) return;
  const std::string why = "source.type = " + in_quotes(std::string(to_string(o.type)));
  switch (o.type) {
    case SourceType::AnalyticsEngine:
      require(s, "dataset", o.dataset, why);
      require(s, "account_id", o.account_id, why);
      require(s, "api_token", o.api_token, why);
      require(s, "api_base", o.api_base, why);
      warn_plain_http(s, "api_base", o.api_base, "api_token", o.api_token);
      break;
    case SourceType::ClickHouse:
      require(s, "url", o.url, why);
      require(s, "database", o.database, why);
      require(s, "table", o.table, why);
      warn_plain_http(s, "url", o.url, "password", o.password);
      break;
    case SourceType::File: require(s, "path", o.path, why); break;
  }
}

void Loader::read_destination(const Section& s, Config& c) {
  DestinationConfig& o = c.destination;
  if (auto v = collect_choice(s, "type", {DestinationType::R2, DestinationType::S3, DestinationType::Local}))
    o.type = *v;
  read_keys(s, c);
  // R2 signs with region "auto"; AWS needs a real region, and us-east-1 is S3's (and MinIO's) default.
  if (!s.get("region") && o.type == DestinationType::S3) o.region = "us-east-1";
  // Before these keys existed the source's budget applied to the storage too: still the default.
  if (!s.get("timeout")) o.timeout_seconds = c.source.timeout_seconds;
  if (!s.get("max_retries")) o.max_retries = c.source.max_retries;
  warn_insecure(s, o.insecure_skip_verify);
  if (failed("destination.type")) return;  // which keys are required depends on the type

  const std::string why = "destination.type = " + in_quotes(std::string(to_string(o.type)));
  switch (o.type) {
    case DestinationType::Local: require(s, "path", o.path, why); break;
    case DestinationType::S3:
    case DestinationType::R2:
      require(s, "bucket", o.bucket, why);
      require(s, "endpoint", o.endpoint, why);
      require(s, "region", o.region, why);
      require(s, "access_key_id", o.access_key_id, why);
      require(s, "secret_access_key", o.secret_access_key, why);
      warn_plain_http(s, "endpoint", o.endpoint, "secret_access_key", o.secret_access_key);
      break;
  }
}

void Loader::read_output(const Section& s, Config& c) {
  OutputConfig& o = c.output;
  if (auto v = collect_choice(s, "format", {OutputFormat::Parquet, OutputFormat::Csv})) o.format = *v;
  // The codecs allowed depend on the format: not judged against a format that did not parse.
  if (!failed("output.format")) switch (o.format) {
      case OutputFormat::Csv:
        o.compression = Compression::None;
        if (auto v = collect_choice(s, "compression", {Compression::Gzip, Compression::None}, " for format \"csv\""))
          o.compression = *v;
        break;
      case OutputFormat::Parquet:
        o.compression = Compression::Zstd;
        if (auto v = collect_choice(s, "compression",
                                    {Compression::Zstd, Compression::Snappy, Compression::Gzip, Compression::None},
                                    " for format \"parquet\""))
          o.compression = *v;
        break;
    }
  read_keys(s, c);
}

void Loader::read_sync(const Section& s, Config& c) {
  read_keys(s, c);
  const SyncConfig& o = c.sync;
  // Otherwise every run would re-export days that prune deletes right after.
  if (o.lookback_days >= o.retention_days && !failed("sync.lookback_days") && !failed("sync.retention_days")) {
    const toml::node* node = s.get("lookback_days") ? s.get("lookback_days") : s.get("retention_days");
    collect([&] {
      fail(node->source(), "sync.lookback_days (" + std::to_string(o.lookback_days) +
                               ") must be less than sync.retention_days (" + std::to_string(o.retention_days) + ")");
    });
  }
}

void Loader::read_posthog(const Section& s, Config& c, bool full) {
  if (!full) {
    for (const KeySpec& k : config_keys::all_keys())
      if (k.section == "posthog" && (k.name == "table" || k.name == "join_events_on") &&
          !collect([&] { read_key(s, k, c); }))
        failed_keys_.insert(s.dotted(k.name));
    return;
  }
  read_keys(s, c);
  const PostHogConfig& o = *c.posthog;
  const std::string why = "[posthog] is present";
  require(s, "project_id", o.project_id, why);
  require(s, "api_key", o.api_key, why);
  require(s, "table", o.table, why);
  require(s, "read_access_key_id", o.read_access_key_id, why);
  require(s, "read_secret_access_key", o.read_secret_access_key, why);
  warn_plain_http(s, "host", o.host, "api_key", o.api_key);
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

  if (const toml::node* when_node = s.get("when")) c.when = read_conditions(*when_node, s.dotted("when"), true)[0];

  if (std::optional<bool> v = boolean(s, "empty_as_null")) {
    if (*v && c.type != ColumnType::String)
      fail(s.get("empty_as_null")->source(),
           label + ": empty_as_null applies only to string columns, not " + std::string(to_string(c.type)));
    c.empty_as_null = *v;
  }
  return c;
}

std::vector<WhenCondition> Loader::read_conditions(const toml::node& node, const std::string& dotted,
                                                   bool at_most_one) const {
  if (!node.is_table()) fail_type(node, dotted, "a table such as { blob4 = \"resource\" }");
  const toml::table& conditions = *node.as_table();
  if (at_most_one ? conditions.size() != 1 : conditions.empty())
    fail(node.source(), dotted + ": expected " + (at_most_one ? "exactly one condition" : "at least one condition") +
                            " such as { blob4 = \"resource\" }, got " + std::to_string(conditions.size()));
  std::vector<WhenCondition> out;
  for (auto&& [key, value] : conditions) {
    std::optional<RawColumn> raw = RawColumn::parse(key.str());
    if (!raw || !raw->is_string())
      fail(key.source(), dotted + ": " + in_quotes(key.str()) +
                             " is not a raw string column (expected dataset, index1 or blob1..blob20)");
    out.push_back(WhenCondition{*raw, string_at(value, dotted + "." + std::string(key.str()))});
  }
  return out;
}

Schema Loader::read_columns(const toml::node& node, const std::string& name) {
  // As written in TOML: [[columns]], or [[tables.columns]] for "tables[2].columns".
  const std::string header = name == "columns" ? "[[columns]]" : "[[tables.columns]]";
  if (!node.is_array()) fail_type(node, name, "an array of tables (" + header + ")");
  const toml::array& items = *node.as_array();
  if (items.empty()) fail(node.source(), name + ": at least one column is required (or leave " + header + " out)");
  Schema schema;
  std::map<std::string, std::pair<size_t, toml::source_region>, std::less<>> seen;  // name -> (N, where)
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string item_name = name + "[" + std::to_string(i + 1) + "]";
    const toml::node& item = items[i];
    if (!item.is_table()) fail_type(item, item_name, "a table");
    const Section s{item.as_table(), item_name};
    if (unknown_in_.count(item_name) != 0) continue;  // its misspelt key was reported; the rest would mislead
    ColumnSpec c;
    if (!collect([&] { c = read_column(s); })) continue;
    const toml::source_region where = s.get("name")->source();
    // Not a structured binding: clang (the fuzz build) cannot capture one in the lambda.
    const auto emplaced = seen.try_emplace(c.name, i + 1, where);
    const auto it = emplaced.first;
    if (!emplaced.second)
      collect([&] {
        fail(where, s.dotted("name") + ": duplicate column name " + in_quotes(c.name) + " (also " + name + "[" +
                        std::to_string(it->second.first) + "] at line " + std::to_string(it->second.second.begin.line) +
                        ")");
      });
    schema.columns.push_back(std::move(c));
  }
  return schema;
}

Config Loader::load(std::string_view text) {
  size_t line = 0, column = 0;
  uint32_t cp = 0;
  bool in_string = false;
  if (config_input::find_toml_hazard(text, line, column, cp, in_string)) {
    char u[16];
    std::snprintf(u, sizeof u, "U+%04X", static_cast<unsigned>(cp));
    throw ConfigError(shown(
        file_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
        (in_string ? std::string("character ") + u + " right after a backslash in a multi-line string is not supported"
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
  check_unread_urls(root);

  Config c;
  c.file = file_;
  auto section_of = [&](std::string_view name) {
    Section s{nullptr, std::string(name)};
    collect([&] { s = section(root, name); });
    return s;
  };
  const Section source = section_of("source");
  c.has_source = source.table != nullptr;
  if (needs_.source) {
    read_source(source, c);
  } else {
    // What the tables read (type, dataset, table) names them; the destination's retry budget
    // and timeout default to the source's (read_destination).
    auto used = [&](std::string_view key) {
      return (needs_.tables && (key == "dataset" || key == "table")) ||
             (needs_.destination && (key == "timeout" || key == "max_retries"));
    };
    if (needs_.tables)
      if (auto v =
              collect_choice(source, "type", {SourceType::AnalyticsEngine, SourceType::ClickHouse, SourceType::File}))
        c.source.type = *v;
    for (const KeySpec& k : config_keys::all_keys())
      if (k.section == "source" && used(k.name) && !collect([&] { read_key(source, k, c); }))
        failed_keys_.insert(source.dotted(k.name));
  }
  if (needs_.destination) read_destination(section_of("destination"), c);
  if (needs_.output) read_output(section_of("output"), c);
  if (needs_.sync) read_sync(section_of("sync"), c);
  const Section posthog = section_of("posthog");
  if (posthog.table && (needs_.posthog || needs_.tables)) {
    c.posthog.emplace();
    read_posthog(posthog, c, needs_.posthog);
  }
  if (const toml::node* columns = root.get("columns"); columns && needs_.columns) {
    collect([&] { c.schema = read_columns(*columns, "columns"); });
    c.builtin_schema = false;
  }
  if (needs_.tables) {
    collect([&] { read_tables(root, c); });
  } else {
    c.tables = {single_table(c)};
  }
  if (!errors_.empty()) throw ConfigErrors(std::move(errors_));
  note_unread_literal_secrets(root);
  // In the key table's order, read or not: the warning names them as the file lists sections.
  auto key_order = [](const std::string& dotted) {
    const auto keys = config_keys::all_keys();
    return std::find_if(keys.begin(), keys.end(),
                        [&](const KeySpec& k) {
                          return dotted.size() == k.section.size() + 1 + k.name.size() &&
                                 dotted.starts_with(k.section) && dotted.ends_with(k.name) &&
                                 dotted[k.section.size()] == '.';
                        }) -
           keys.begin();
  };
  std::stable_sort(literal_secrets_.begin(), literal_secrets_.end(),
                   [&](const std::string& a, const std::string& b) { return key_order(a) < key_order(b); });
  c.warnings = warnings_;
  return c;
}

}  // namespace aesync::config_loader
