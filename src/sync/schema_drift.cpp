#include "sync/schema_drift.h"

#include <algorithm>

#include "util/time.h"

namespace aesync {

namespace {

// What ClickHouse's Parquet reader fills a column missing from a file with: the type's default
// (input_format_parquet_allow_missing_columns), NULL for a Nullable column.
std::string default_read(ColumnType type) {
  switch (type) {
    case ColumnType::String: return "\"\"";
    case ColumnType::Double:
    case ColumnType::Int64: return "0";
    case ColumnType::Timestamp: return "1970-01-01T00:00:00Z";
  }
  return "";
}

const char* nullability(bool nullable) { return nullable ? "nullable" : "required"; }

void add_once(std::vector<std::string>& list, const std::string& s) {
  if (std::find(list.begin(), list.end(), s) == list.end()) list.push_back(s);
}

}  // namespace

std::vector<SchemaChange> schema_changes(const Schema& current, const std::vector<ColumnSpec>& old_columns) {
  auto find_old = [&](const std::string& name) -> const ColumnSpec* {
    for (const ColumnSpec& c : old_columns)
      if (c.name == name) return &c;
    return nullptr;
  };
  std::vector<SchemaChange> out;
  for (const ColumnSpec& now : current.columns) {
    const ColumnSpec* was = find_old(now.name);
    if (!was) {
      if (now.nullable())
        out.push_back({"column " + now.name + " added as nullable (old days read it as NULL)", false});
      else
        out.push_back(
            {"column " + now.name + " added as required (old days read it as " + default_read(now.type) + ")", true});
      continue;
    }
    if (was->type != now.type)
      out.push_back({"column " + now.name + " is " + std::string(to_string(now.type)) + ", was " +
                         std::string(to_string(was->type)),
                     true});
    if (was->nullable() != now.nullable())
      out.push_back(
          {"column " + now.name + " is " + nullability(now.nullable()) + ", was " + nullability(was->nullable()),
           true});
    if (was->from != now.from)
      out.push_back({"column " + now.name + " reads " + now.from.name() + ", was " + was->from.name(), false});
  }
  for (const ColumnSpec& was : old_columns) {
    const bool kept = std::any_of(current.columns.begin(), current.columns.end(),
                                  [&](const ColumnSpec& c) { return c.name == was.name; });
    if (!kept) out.push_back({"column " + was.name + " removed", true});
  }
  return out;
}

std::string manifest_fingerprint(const Manifest& m) {
  if (!m.schema_fingerprint.empty()) return m.schema_fingerprint;
  return schema_fingerprint(signatures(m.columns), {}, std::nullopt);
}

bool SchemaDrift::is_old(int64_t day) const { return std::binary_search(old_days.begin(), old_days.end(), day); }

std::string SchemaDrift::reexport_command() const {
  if (old_days.empty()) return "";
  return "aesync sync --from " + format_day(old_days.front()) + " --to " + format_day(old_days.back());
}

std::string SchemaDrift::warning(const TableConfig& table) const {
  if (breaking.empty() || old_days.empty()) return "";
  const size_t n = old_days.size();
  std::string range = format_day(old_days.front());
  if (n > 1) range += " .. " + format_day(old_days.back());
  std::string changes;
  for (const std::string& b : breaking) changes += (changes.empty() ? "" : "; ") + b;
  return "table " + table.name + ": " + std::to_string(n) + (n == 1 ? " day (" : " days (") + range +
         (n == 1 ? ") has" : ") have") + " an old schema that PostHog cannot read together with the new days (" +
         changes + "): re-export " + (n == 1 ? "it" : "them") + " with " + reexport_command();
}

SchemaDrift find_schema_drift(const TableConfig& table, const std::vector<PartitionEntry>& partitions) {
  SchemaDrift drift;
  drift.fingerprint = table.shape.fingerprint();
  const Schema current = table.shape.output_schema();
  for (const PartitionEntry& p : partitions) {
    if (!p.manifest) continue;
    const std::string fingerprint = manifest_fingerprint(*p.manifest);
    if (fingerprint == drift.fingerprint) continue;
    drift.old_days.push_back(p.day);
    add_once(drift.old_fingerprints, fingerprint);
    for (const SchemaChange& c : schema_changes(current, p.manifest->columns))
      add_once(c.breaking ? drift.breaking : drift.compatible, c.text);
  }
  std::sort(drift.old_days.begin(), drift.old_days.end());
  return drift;
}

}  // namespace aesync
