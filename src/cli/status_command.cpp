#include "cli/status_command.h"

#include <algorithm>
#include <cstdio>

#include "sync/layout.h"
#include "sync/partition_index.h"
#include "sync/schema_drift.h"
#include "util/json_writer.h"
#include "util/log.h"
#include "util/time.h"

namespace aesync::cli {

namespace {

// One table's days and how they compare with its config.
struct TableStatus {
  const TableConfig& table;
  std::vector<PartitionEntry> parts;
  SchemaDrift drift;
  Schema current;  //!< the table's output schema
};

// What a day without a readable manifest is: a first export in progress (a run holds the
// day's lease), or a problem.
std::string missing_manifest(const PartitionEntry& p) {
  for (const ObjectInfo& o : p.objects)
    if (is_lease_key(o.key) && p.manifest_error.ends_with(": no manifest"))
      return "being exported (a run holds its lease), no manifest yet";
  return p.manifest_error.empty() ? "no manifest" : p.manifest_error;
}

// The verified column: "yes" (every window at full resolution, exactly), "sampled" (some window
// kept read-sampled: a later run retries), or "no".
const char* verified_text(const Manifest& m) {
  if (m.verified) return "yes";
  return m.read_sampled ? "sampled" : "no";
}

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

void append_day_json(std::string& o, const TableStatus& t, const PartitionEntry& p) {
  o += "\"partition\": " + json::quote(format_day(p.day)) + ", \"table\": " + json::quote(t.table.name);
  if (!p.manifest) {
    o += ", \"error\": " + json::quote(missing_manifest(p));
    return;
  }
  const Manifest& m = *p.manifest;
  o += ", \"rows\": " + std::to_string(m.rows) + ", \"sample_weight\": " + std::to_string(m.sample_weight) +
       ", \"bytes\": " + std::to_string(m.bytes) + ", \"exported_at\": " + json::quote(m.exported_at) +
       ", \"verified\": " + (m.verified ? "true" : "false") +
       ", \"read_sampled\": " + (m.read_sampled ? "true" : "false") +
       ", \"windows\": " + std::to_string(m.windows.size()) +
       ", \"data_key\": " + (m.data_key.empty() ? std::string("null") : json::quote(m.data_key));
  const bool old = t.drift.is_old(p.day);
  o += ", \"schema_fingerprint\": " + json::quote(manifest_fingerprint(m)) +
       ", \"old_schema\": " + (old ? "true" : "false") + ", \"schema_changes\": [";
  if (old) {
    const std::vector<SchemaChange> changes = schema_changes(t.current, m.columns);
    for (size_t i = 0; i < changes.size(); ++i)
      o += (i ? ", {\"text\": " : "{\"text\": ") + json::quote(changes[i].text) +
           ", \"breaking\": " + (changes[i].breaking ? "true}" : "false}");
  }
  o += "]";
}

// Per table, after its total: how many days have an old schema, which fingerprints, the
// command that re-exports them, and what PostHog makes of them.
void print_drift(const SchemaDrift& d, std::ostream& out) {
  if (d.old_days.empty()) return;
  const bool one = d.old_days.size() == 1;
  out << d.old_days.size() << (one ? " day" : " days") << " with an old schema ("
      << (d.old_fingerprints.size() == 1 ? "fingerprint " : "fingerprints ") << joined(d.old_fingerprints, ", ")
      << ", current " << d.fingerprint << "): re-export with " << d.reexport_command() << "\n";
  const char* them = one ? "it" : "them";
  if (!d.breaking.empty())
    out << "  PostHog cannot read " << them << " together with the new days: " << joined(d.breaking, "; ") << "\n";
  if (!d.compatible.empty())
    out << (d.breaking.empty() ? std::string("  PostHog reads ") + them + " together with the new days: "
                               : std::string("  also: "))
        << joined(d.compatible, "; ") << "\n";
  if (d.breaking.empty() && d.compatible.empty())
    out << "  same columns: the table's where or rollup changed, PostHog reads " << them << " as before\n";
}

void print_table(const TableStatus& t, ObjectStore& store, std::ostream& out) {
  char line[200];
  std::snprintf(line, sizeof line, "%-12s %12s %14s  %-20s  %s\n", "day", "rows", "bytes", "exported at", "verified");
  out << line;
  uint64_t rows = 0, bytes = 0;
  for (const PartitionEntry& p : t.parts) {
    const std::string day = format_day(p.day);
    if (!p.manifest) {
      out << day << "  " << missing_manifest(p) << "\n";
      continue;
    }
    const Manifest& m = *p.manifest;
    if (t.drift.is_old(p.day))
      std::snprintf(line, sizeof line, "%-12s %12llu %14llu  %-20s  %-7s  old schema %s\n", day.c_str(),
                    static_cast<unsigned long long>(m.rows), static_cast<unsigned long long>(m.bytes),
                    m.exported_at.c_str(), verified_text(m), manifest_fingerprint(m).c_str());
    else
      std::snprintf(line, sizeof line, "%-12s %12llu %14llu  %-20s  %s\n", day.c_str(),
                    static_cast<unsigned long long>(m.rows), static_cast<unsigned long long>(m.bytes),
                    m.exported_at.c_str(), verified_text(m));
    out << line;
    rows += m.rows;
    bytes += m.bytes;
  }
  std::snprintf(line, sizeof line, "%-12s %12llu %14llu  (%zu partitions under %s)\n", "total",
                static_cast<unsigned long long>(rows), static_cast<unsigned long long>(bytes), t.parts.size(),
                store.describe(PartitionLayout(t.table.prefix).root()).c_str());
  out << line;
  print_drift(t.drift, out);
}

void print_chart(const TableStatus& t, bool terminal, std::ostream& out) {
  std::vector<std::pair<int64_t, std::optional<uint64_t>>> days;
  for (const PartitionEntry& p : t.parts)
    days.emplace_back(p.day, p.manifest ? std::optional<uint64_t>(p.manifest->rows) : std::nullopt);
  const std::string chart = rows_per_day_chart(days, terminal);
  if (!chart.empty()) out << "\n" << chart;
}

}  // namespace

std::string rows_per_day_chart(const std::vector<std::pair<int64_t, std::optional<uint64_t>>>& days, bool terminal,
                               int width) {
  if (days.empty()) return "";
  uint64_t max_rows = 0;
  for (const auto& [day, rows] : days) max_rows = std::max(max_rows, rows.value_or(0));
  std::string out = "rows per day (longest bar: " + std::to_string(max_rows) + " rows)\n";
  size_t next = 0;
  for (int64_t day = days.front().first; day <= days.back().first; ++day) {
    // Indented: a line that starts with a day is the table's (scripts filter them so).
    std::string line = "  " + format_day(day) + "  ";
    if (next < days.size() && days[next].first == day) {
      const std::optional<uint64_t> rows = days[next++].second;
      if (!rows) {
        out += line + "(no manifest)\n";
        continue;
      }
      // A day with rows gets at least one mark, so that it differs from an empty day.
      int64_t length =
          max_rows == 0 ? 0 : static_cast<int64_t>((*rows * static_cast<uint64_t>(width) + max_rows / 2) / max_rows);
      if (*rows > 0 && length == 0) length = 1;
      std::string bar;
      for (int64_t i = 0; i < length; ++i) bar += terminal ? "\u2588" : "#";
      if (terminal && length > 0) bar = "\x1b[36m" + bar + "\x1b[0m";
      line += bar + std::string(static_cast<size_t>(width - length), ' ') + "  " + std::to_string(*rows);
      out += line + "\n";
    } else {
      out += line + "(not exported)\n";
    }
  }
  return out;
}

int run_status(const Config& config, ObjectStore& store, bool json, std::ostream& out, bool terminal,
               std::vector<std::string>* warnings) {
  std::vector<TableStatus> tables;
  for (const TableConfig& table : config.tables) {
    std::vector<PartitionEntry> parts = list_partitions(store, table.prefix, true);
    SchemaDrift drift = find_schema_drift(table, parts);
    tables.push_back({table, std::move(parts), std::move(drift), table.shape.output_schema()});
  }
  // A mistyped bucket, path or prefix lists nothing: say where we looked rather than report
  // "0 partitions" as if all were well.
  if (std::all_of(tables.begin(), tables.end(), [](const TableStatus& t) { return t.parts.empty(); })) {
    std::string places;
    for (const TableStatus& t : tables)
      places += (places.empty() ? "" : ", ") + store.describe(PartitionLayout(t.table.prefix).root()) + " (prefix \"" +
                t.table.prefix + "\")";
    const std::string warning = "the destination holds no partitions at all: looked under " + places +
                                "; check [destination] and the tables' prefix, or run aesync sync first";
    if (warnings)
      warnings->push_back(warning);
    else
      log::warn(warning);
  }
  if (json) {
    std::string o = "[";
    bool first = true;
    for (const TableStatus& t : tables)
      for (const PartitionEntry& p : t.parts) {
        o += first ? "\n  {" : ",\n  {";
        first = false;
        append_day_json(o, t, p);
        o += "}";
      }
    o += first ? "]\n" : "\n]\n";
    out << o;
    return 0;
  }
  for (size_t i = 0; i < tables.size(); ++i) {
    if (tables.size() > 1) {
      const TableConfig& table = tables[i].table;
      out << (i ? "\n" : "") << "table " << table.name
          << (table.dataset.empty() ? std::string() : " (dataset " + table.dataset + ")") << "\n";
    }
    print_table(tables[i], store, out);
    print_chart(tables[i], terminal, out);
  }
  return 0;
}

}  // namespace aesync::cli
