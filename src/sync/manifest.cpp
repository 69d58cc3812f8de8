#include "sync/manifest.h"

#include "util/json_writer.h"
#include "util/time.h"

namespace aesync {

std::string manifest_to_json(const Manifest& m) {
  using json::append_string;
  std::string o = "{\n  \"partition\": ";
  append_string(o, m.partition);
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
    const bool nullable = c.nullable() || (i < m.column_nullable.size() && m.column_nullable[i]);
    o += nullable ? ", \"nullable\": true}" : ", \"nullable\": false}";
  }
  o += m.columns.empty() ? "]" : "\n  ]";
  o += ",\n  \"windows\": [";
  for (size_t i = 0; i < m.windows.size(); ++i) {
    const WindowRecord& w = m.windows[i];
    o += i ? ",\n    {\"start\": " : "\n    {\"start\": ";
    append_string(o, format_rfc3339(w.start));
    o += ", \"end\": ";
    append_string(o, format_rfc3339(w.end));
    o += ", \"rows\": " + std::to_string(w.rows) + ", \"sample_weight\": " + std::to_string(w.sample_weight);
    o += w.verified ? ", \"verified\": true}" : ", \"verified\": false}";
  }
  o += m.windows.empty() ? "]" : "\n  ]";
  o += ",\n  \"source_rows\": " + std::to_string(m.source_rows);
  o += m.verified ? ",\n  \"verified\": true" : ",\n  \"verified\": false";
  o += ",\n  \"exported_at\": ";
  append_string(o, m.exported_at);
  o += ",\n  \"aesync_version\": ";
  append_string(o, m.aesync_version);
  o += "\n}\n";
  return o;
}

}  // namespace aesync
