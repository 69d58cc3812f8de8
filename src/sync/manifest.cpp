#include "sync/manifest.h"

#include <cmath>
#include <cstdio>

#include "util/json_writer.h"
#include "util/time.h"

namespace aesync {

double resolution_of(uint64_t rows, uint64_t source_rows) {
  if (source_rows == 0 || rows >= source_rows) return 1;
  if (rows == 0) return 0;
  const double exponent = std::round(std::log10(static_cast<double>(rows) / static_cast<double>(source_rows)));
  return std::min(1.0, std::pow(10.0, exponent));
}

namespace {
// 1, 0.1, 0.01, 0.001, 0.0001, 1e-05 (the shortest form that reads back as the same double).
std::string resolution_text(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", r);
  return buf;
}
}  // namespace

std::string manifest_to_json(const Manifest& m) {
  using json::append_string;
  std::string o = "{\n  \"partition\": ";
  append_string(o, m.partition);
  o += ",\n  \"table\": ";
  append_string(o, m.table);
  o += ",\n  \"data_key\": ";
  if (m.data_key.empty())
    o += "null";
  else
    append_string(o, m.data_key);
  o += ",\n  \"rows\": " + std::to_string(m.rows);
  o += ",\n  \"sample_weight\": " + std::to_string(m.sample_weight);
  o += ",\n  \"bytes\": " + std::to_string(m.bytes);
  o += ",\n  \"sha256\": ";
  append_string(o, m.sha256);
  o += ",\n  \"columns\": [";
  for (size_t i = 0; i < m.columns.size(); ++i) {
    const ColumnSpec& c = m.columns[i];
    o += i ? ",\n    {\"name\": " : "\n    {\"name\": ";
    append_string(o, c.name);
    o += ", \"type\": ";
    append_string(o, to_string(c.type));
    o += ", \"from\": ";
    append_string(o, c.from.name());
    o += c.nullable() ? ", \"nullable\": true}" : ", \"nullable\": false}";
  }
  o += m.columns.empty() ? "]" : "\n  ]";
  o += ",\n  \"schema_fingerprint\": ";
  append_string(o, m.schema_fingerprint);
  o += ",\n  \"windows\": [";
  for (size_t i = 0; i < m.windows.size(); ++i) {
    const WindowRecord& w = m.windows[i];
    o += i ? ",\n    {\"start\": " : "\n    {\"start\": ";
    append_string(o, format_rfc3339(w.start));
    o += ", \"end\": ";
    append_string(o, format_rfc3339(w.end));
    o += ", \"rows\": " + std::to_string(w.rows) + ", \"sample_weight\": " + std::to_string(w.sample_weight);
    o += ", \"source_rows\": " + std::to_string(w.source_rows) + ", \"resolution\": " + resolution_text(w.resolution);
    o += w.verified ? ", \"verified\": true}" : ", \"verified\": false}";
  }
  o += m.windows.empty() ? "]" : "\n  ]";
  o += ",\n  \"source_rows\": " + std::to_string(m.source_rows);
  o += m.verified ? ",\n  \"verified\": true" : ",\n  \"verified\": false";
  o += m.read_sampled ? ",\n  \"read_sampled\": true" : ",\n  \"read_sampled\": false";
  o += ",\n  \"exported_at\": ";
  append_string(o, m.exported_at);
  o += ",\n  \"aesync_version\": ";
  append_string(o, m.aesync_version);
  o += "\n}\n";
  return o;
}

}  // namespace aesync
