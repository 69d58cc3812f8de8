#include "cli/status_command.h"

#include <cstdio>

#include "sync/layout.h"
#include "sync/partition_index.h"
#include "util/json_writer.h"
#include "util/time.h"

namespace aesync::cli {

namespace {
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
}  // namespace

int run_status(const Config& config, ObjectStore& store, bool json, std::ostream& out) {
  const std::vector<PartitionEntry> parts = list_partitions(store, config.destination.prefix, true);
  if (json) {
    std::string o = "[";
    for (size_t i = 0; i < parts.size(); ++i) {
      const PartitionEntry& p = parts[i];
      o += i ? ",\n  {" : "\n  {";
      o += "\"partition\": " + json::quote(format_day(p.day));
      if (p.manifest) {
        const Manifest& m = *p.manifest;
        o += ", \"rows\": " + std::to_string(m.rows) + ", \"sample_weight\": " + std::to_string(m.sample_weight) +
             ", \"bytes\": " + std::to_string(m.bytes) + ", \"exported_at\": " + json::quote(m.exported_at) +
             ", \"verified\": " + (m.verified ? "true" : "false") +
             ", \"read_sampled\": " + (m.read_sampled ? "true" : "false") +
             ", \"windows\": " + std::to_string(m.windows.size()) +
             ", \"data_key\": " + (m.data_key.empty() ? std::string("null") : json::quote(m.data_key));
      } else {
        o += ", \"error\": " + json::quote(missing_manifest(p));
      }
      o += "}";
    }
    o += parts.empty() ? "]\n" : "\n]\n";
    out << o;
    return 0;
  }
  char line[200];
  std::snprintf(line, sizeof line, "%-12s %12s %14s  %-20s  %s\n", "day", "rows", "bytes", "exported at", "verified");
  out << line;
  uint64_t rows = 0, bytes = 0;
  for (const PartitionEntry& p : parts) {
    const std::string day = format_day(p.day);
    if (!p.manifest) {
      out << day << "  " << missing_manifest(p) << "\n";
      continue;
    }
    const Manifest& m = *p.manifest;
    std::snprintf(line, sizeof line, "%-12s %12llu %14llu  %-20s  %s\n", day.c_str(),
                  static_cast<unsigned long long>(m.rows), static_cast<unsigned long long>(m.bytes),
                  m.exported_at.c_str(), verified_text(m));
    out << line;
    rows += m.rows;
    bytes += m.bytes;
  }
  std::snprintf(line, sizeof line, "%-12s %12llu %14llu  (%zu partitions under %s)\n", "total",
                static_cast<unsigned long long>(rows), static_cast<unsigned long long>(bytes), parts.size(),
                store.describe(PartitionLayout(config.destination.prefix).root()).c_str());
  out << line;
  return 0;
}

}  // namespace aesync::cli
