// [[tables]] (docs/configuration.md, "Tables"): each entry's name, prefix, dataset, where,
// columns, rollup and join_events_on, and the checks across tables (unique names and prefixes).
// A config without [[tables]] has one table made of the keys it had before tables existed:
// posthog.table, destination.prefix, the top-level mapping, posthog.join_events_on.
#include <algorithm>
#include <map>
#include <set>

#include "config/loader.h"

namespace aesync::config_loader {

TableConfig single_table(const Config& c) {
  TableConfig t;
  t.name = c.posthog ? c.posthog->table : PostHogConfig{}.table;
  t.prefix = c.destination.prefix;
  switch (c.source.type) {
    case SourceType::AnalyticsEngine: t.dataset = c.source.dataset; break;
    case SourceType::ClickHouse: t.dataset = c.source.table; break;
    case SourceType::File: break;
  }
  t.shape.mapping = c.schema;
  if (c.posthog) t.join_events_on = c.posthog->join_events_on;
  return t;
}

namespace {

// A key that [[tables]] replaces: set in the file, it is refused with what to write instead.
struct ReplacedKey {
  std::string_view section, name, instead;
};
constexpr ReplacedKey kReplacedByTables[] = {
    {"destination", "prefix", "each table's prefix"},
    {"posthog", "table", "each table's name"},
    {"posthog", "join_events_on", "each table's join_events_on"},
};

}  // namespace

void Loader::check_join(const TableConfig& t, const toml::node& where, const std::string& dotted) const {
  // docs/posthog.md: the saved join is `events.<join_events_on> = <table>.machine_id`.
  const Schema out = t.shape.output_schema();
  if (std::none_of(out.columns.begin(), out.columns.end(),
                   [](const ColumnSpec& col) { return col.name == "machine_id"; }))
    fail(where.source(),
         dotted + ": the saved join needs a column named machine_id, which " +
             (dotted == "posthog.join_events_on" ? std::string("[[columns]]") : "table " + in_quotes(t.name)) +
             " does not define");
}

void Loader::read_tables(const toml::table& root, Config& c) {
  const toml::node* node = root.get("tables");
  if (!node) {
    c.tables = {single_table(c)};
    if (c.posthog && !c.posthog->join_events_on.empty() && !failed("posthog.join_events_on"))
      check_join(c.tables[0], *root.at_path("posthog.join_events_on").node(), "posthog.join_events_on");
    return;
  }
  for (const ReplacedKey& k : kReplacedByTables)
    if (const toml::node* set = root.at_path(std::string(k.section) + "." + std::string(k.name)).node())
      collect([&] {
        fail(set->source(), std::string(k.section) + "." + std::string(k.name) + ": not used with [[tables]]: set " +
                                std::string(k.instead) + " instead");
      });
  if (node->is_array() && node->as_array()->empty())
    fail(node->source(), "tables: at least one table is required (or leave [[tables]] out)");
  if (!node->is_array_of_tables()) fail_type(*node, "tables", "an array of tables ([[tables]])");
  const toml::array& items = *node->as_array();
  std::map<std::string, size_t, std::less<>> names, prefixes;  // -> N of tables[N]
  for (size_t i = 0; i < items.size(); ++i) {
    const Section s{items[i].as_table(), "tables[" + std::to_string(i + 1) + "]"};
    if (unknown_in_.count(s.name) != 0) continue;  // its misspelt key was reported; the rest would mislead
    TableConfig t;
    if (!collect([&] { t = read_table(s, c); })) continue;
    // The first table of a name or prefix (no structured binding: clang, the fuzz build, cannot
    // capture one in a lambda).
    const size_t named = names.try_emplace(t.name, i + 1).first->second;
    if (named != i + 1)
      collect([&] {
        fail(s.get("name")->source(), s.dotted("name") + ": " + in_quotes(t.name) + " is already the name of tables[" +
                                          std::to_string(named) + "]");
      });
    const size_t prefixed = prefixes.try_emplace(t.prefix, i + 1).first->second;
    if (prefixed != i + 1)
      collect([&] {
        fail((s.get("prefix") ? s.get("prefix") : s.get("name"))->source(),
             s.dotted("prefix") + ": " + in_quotes(t.prefix) + " is already the prefix of tables[" +
                 std::to_string(prefixed) + "] (each table writes its own folder)");
      });
    c.tables.push_back(std::move(t));
  }
}

TableConfig Loader::read_table(const Section& s, const Config& c) {
  TableConfig t;
  const toml::node* name = s.get("name");
  if (!name) fail(s.table->source(), s.dotted("name") + " is required");
  t.name = *identifier(s, "name", false);
  if (t.name.empty()) fail(name->source(), s.dotted("name") + " must not be empty");
  t.prefix = t.name;
  if (auto v = restricted(s, KeySpec{.section = "tables", .name = "prefix", .kind = config_keys::KeyKind::Prefix}))
    t.prefix = *v;

  switch (c.source.type) {
    case SourceType::AnalyticsEngine: t.dataset = identifier(s, "dataset", true).value_or(c.source.dataset); break;
    case SourceType::ClickHouse: t.dataset = identifier(s, "dataset", false).value_or(c.source.table); break;
    case SourceType::File:
      if (const toml::node* d = s.get("dataset"))
        fail(d->source(), s.dotted("dataset") + ": source.type = \"file\" reads one input; leave dataset out");
      break;
  }
  if (const toml::node* d = s.get("dataset"); d && t.dataset.empty())
    fail(d->source(), s.dotted("dataset") + " must not be empty");

  if (const toml::node* where = s.get("where")) t.shape.where = read_conditions(*where, s.dotted("where"), false);
  t.shape.mapping = c.schema;
  if (const toml::node* columns = s.get("columns")) t.shape.mapping = read_columns(*columns, s.dotted("columns"));
  if (const toml::node* rollup = s.get("rollup"))
    t.shape.rollup = read_rollup(*rollup, s.dotted("rollup"), t.shape.mapping);

  if (auto v = restricted(
          s, KeySpec{.section = "tables", .name = "join_events_on", .kind = config_keys::KeyKind::FieldPath})) {
    t.join_events_on = *v;
    check_join(t, *s.get("join_events_on"), s.dotted("join_events_on"));
  }
  return t;
}

RollupSpec Loader::read_rollup(const toml::node& node, const std::string& dotted, const Schema& mapping) const {
  constexpr std::string_view kExample =
      "a table such as { every = \"1h\", by = [\"machine_id\"], values = [\"value1\"] }";
  if (!node.is_table()) fail_type(node, dotted, kExample);
  const Section s{node.as_table(), dotted};
  for (auto&& [key, value] : *s.table)
    if (key.str() != "every" && key.str() != "by" && key.str() != "values")
      fail(key.source(), "unknown key " + in_quotes(s.dotted(key.str())) + " (expected every, by and values)");
  RollupSpec r;
  if (auto every = duration(s, "every", 60, 86400)) r.every_seconds = *every;
  if (86400 % r.every_seconds != 0)
    fail(s.get("every")->source(), s.dotted("every") + ": " + std::to_string(r.every_seconds) +
                                       " s does not divide a day (buckets must not straddle two days' files)");
  std::set<std::string, std::less<>> used;
  // Each of `by` and `values`: an array of the mapping's column names, of the kinds it allows.
  auto names = [&](std::string_view key, bool values) {
    std::vector<std::string> out;
    const toml::node* list = s.get(key);
    if (!list) return out;
    if (!list->is_array()) fail_type(*list, s.dotted(key), "an array of column names");
    const toml::array& items = *list->as_array();
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string at = s.dotted(key) + "[" + std::to_string(i + 1) + "]";
      std::string column = string_at(items[i], at);
      const auto spec = std::find_if(mapping.columns.begin(), mapping.columns.end(),
                                     [&](const ColumnSpec& col) { return col.name == column; });
      if (spec == mapping.columns.end())
        fail(items[i].source(), at + ": " + in_quotes(column) + " is not a column of the table's mapping");
      if (values && spec->type != ColumnType::Double && spec->type != ColumnType::Int64)
        fail(items[i].source(), at + ": " + in_quotes(column) + " is a " + std::string(to_string(spec->type)) +
                                    " column; values are double or int64 columns");
      if (!values && spec->type == ColumnType::Timestamp)
        fail(items[i].source(),
             at + ": " + in_quotes(column) + " is a timestamp; the rollup's buckets already group by time");
      if (!used.insert(column).second)
        fail(items[i].source(), at + ": " + in_quotes(column) + " appears twice in the rollup");
      out.push_back(std::move(column));
    }
    return out;
  };
  r.by = names("by", false);
  r.values = names("values", true);
  if (r.values.empty() && r.by.empty())
    fail(node.source(), dotted + ": name the columns to group by and the values to aggregate (by, values)");
  // Its columns' names must not collide (a by column named "samples", "value1_min"...).
  TableShape shape{mapping, {}, r};
  std::set<std::string, std::less<>> seen;
  for (const ColumnSpec& col : shape.output_schema().columns)
    if (!seen.insert(col.name).second)
      fail(node.source(), dotted + ": the rollup would have two columns named " + in_quotes(col.name));
  return r;
}

}  // namespace aesync::config_loader
