#include "sync/partition_index.h"

#include <map>

#include <simdjson.h>

#include "util/error.h"
#include "util/time.h"

namespace aesync {

namespace {

// Reads one manifest; every failure is an InputError "<where>: not an aesync manifest: <what>".
class ManifestReader {
 public:
  explicit ManifestReader(const std::string& where) : where_(where) {}

  Manifest read(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (auto err = parser.parse(json.data(), json.size()).get(doc))
      fail(std::string("invalid JSON (") + simdjson::error_message(err) + ")");
    simdjson::dom::object top;
    if (doc.get_object().get(top)) fail("the document is not a JSON object");

    Manifest m;
    m.partition = string(top, "partition", "partition");
    if (!parse_day(m.partition)) fail("\"partition\" is \"" + m.partition + "\", not a YYYY-MM-DD day");
    // Absent before tables existed: the single table's manifests.
    if (!top.at_key("table").error()) m.table = string(top, "table", "table");
    const simdjson::dom::element data_key = field(top, "data_key", "data_key");
    if (!data_key.is_null()) m.data_key = as_string(data_key, "data_key");
    m.rows = uint(top, "rows", "rows");
    m.sample_weight = int64(top, "sample_weight", "sample_weight");
    m.bytes = uint(top, "bytes", "bytes");
    m.sha256 = string(top, "sha256", "sha256");

    size_t i = 0;
    for (simdjson::dom::element e : array(top, "columns", "columns")) {
      const std::string path = "columns[" + std::to_string(i++) + "]";
      const simdjson::dom::object c = object(e, path);
      ColumnSpec spec;
      spec.name = string(c, "name", path + ".name");
      const std::string type = string(c, "type", path + ".type");
      const auto parsed_type = column_type(type);
      if (!parsed_type) fail("\"" + path + ".type\" is \"" + type + "\", not a column type");
      spec.type = *parsed_type;
      const std::string from = string(c, "from", path + ".from");
      const auto raw = RawColumn::parse(from);
      if (!raw) fail("\"" + path + ".from\" is \"" + from + "\", not an AE column");
      spec.from = *raw;
      spec.declared_nullable = boolean(c, "nullable", path + ".nullable");
      m.columns.push_back(std::move(spec));
    }
    // Absent before fingerprints existed: the columns' own, as a plain table's mapping.
    m.schema_fingerprint = top.at_key("schema_fingerprint").error()
                               ? schema_fingerprint(signatures(m.columns), {}, std::nullopt)
                               : string(top, "schema_fingerprint", "schema_fingerprint");

    i = 0;
    for (simdjson::dom::element e : array(top, "windows", "windows")) {
      const std::string path = "windows[" + std::to_string(i++) + "]";
      const simdjson::dom::object w = object(e, path);
      WindowRecord r;
      r.start = time(w, "start", path + ".start");
      r.end = time(w, "end", path + ".end");
      r.rows = uint(w, "rows", path + ".rows");
      r.sample_weight = int64(w, "sample_weight", path + ".sample_weight");
      // Absent in manifests of aesync before read-time sampling was detected: full resolution.
      r.source_rows = w.at_key("source_rows").error() ? r.rows : uint(w, "source_rows", path + ".source_rows");
      r.resolution = w.at_key("resolution").error() ? 1.0 : number(w, "resolution", path + ".resolution");
      r.verified = boolean(w, "verified", path + ".verified");
      m.windows.push_back(r);
    }

    m.source_rows = uint(top, "source_rows", "source_rows");
    m.verified = boolean(top, "verified", "verified");
    m.read_sampled = top.at_key("read_sampled").error() ? false : boolean(top, "read_sampled", "read_sampled");
    m.exported_at = string(top, "exported_at", "exported_at");
    m.aesync_version = string(top, "aesync_version", "aesync_version");
    return m;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(where_ + ": not an aesync manifest: " + what);
  }

  static std::optional<ColumnType> column_type(std::string_view s) {
    for (ColumnType t : {ColumnType::String, ColumnType::Double, ColumnType::Int64, ColumnType::Timestamp})
      if (to_string(t) == s) return t;
    return std::nullopt;
  }

  simdjson::dom::element field(const simdjson::dom::object& o, std::string_view key, const std::string& path) const {
    simdjson::dom::element e;
    if (o.at_key(key).get(e)) fail("\"" + path + "\" is missing");
    return e;
  }
  simdjson::dom::object object(const simdjson::dom::element& e, const std::string& path) const {
    simdjson::dom::object o;
    if (e.get_object().get(o)) fail("\"" + path + "\" is not an object");
    return o;
  }
  simdjson::dom::array array(const simdjson::dom::object& o, std::string_view key, const std::string& path) const {
    simdjson::dom::array a;
    if (field(o, key, path).get_array().get(a)) fail("\"" + path + "\" is not an array");
    return a;
  }
  std::string as_string(const simdjson::dom::element& e, const std::string& path) const {
    std::string_view s;
    if (e.get_string().get(s)) fail("\"" + path + "\" is not a string");
    return std::string(s);
  }
  std::string string(const simdjson::dom::object& o, std::string_view key, const std::string& path) const {
    return as_string(field(o, key, path), path);
  }
  uint64_t uint(const simdjson::dom::object& o, std::string_view key, const std::string& path) const {
    uint64_t v;
    if (field(o, key, path).get_uint64().get(v)) fail("\"" + path + "\" is not a non-negative integer");
    return v;
  }
  int64_t int64(const simdjson::dom::object& o, std::string_view key, const std::string& path) const {
    int64_t v;
    if (field(o, key, path).get_int64().get(v)) fail("\"" + path + "\" is not an integer");
    return v;
  }
  double number(const simdjson::dom::object& o, std::string_view key, const std::string& path) const {
    double v;
    if (field(o, key, path).get_double().get(v)) fail("\"" + path + "\" is not a number");
    return v;
  }
  bool boolean(const simdjson::dom::object& o, std::string_view key, const std::string& path) const {
    bool v;
    if (field(o, key, path).get_bool().get(v)) fail("\"" + path + "\" is not true or false");
    return v;
  }
  // The form format_rfc3339 writes: "YYYY-MM-DDThh:mm:ssZ".
  int64_t time(const simdjson::dom::object& o, std::string_view key, const std::string& path) const {
    const std::string s = string(o, key, path);
    const auto ms = s.size() == 20 && s[10] == 'T' && s[19] == 'Z' ? parse_timestamp_ms(s) : std::nullopt;
    if (!ms) fail("\"" + path + "\" is \"" + s + "\", not an RFC 3339 UTC time (YYYY-MM-DDThh:mm:ssZ)");
    return *ms / 1000;
  }

  const std::string& where_;
};

}  // namespace

Manifest parse_manifest(std::string_view json, const std::string& where) { return ManifestReader(where).read(json); }

std::vector<PartitionEntry> list_partitions(ObjectStore& store, const std::string& prefix, bool read_manifests) {
  const PartitionLayout layout(prefix);
  std::map<int64_t, PartitionEntry> days;
  for (ObjectInfo& info : store.list(layout.root())) {
    const auto day = layout.day_of_key(info.key);
    if (!day) continue;
    PartitionEntry& entry = days[*day];
    entry.day = *day;
    entry.objects.push_back(std::move(info));
  }

  std::vector<PartitionEntry> out;
  out.reserve(days.size());
  for (auto& [day, entry] : days) {
    if (read_manifests) {
      const std::string key = layout.manifest_key(day);
      const std::string where = store.describe(key);
      try {
        const auto text = store.get(key);
        if (!text) {
          entry.manifest_error = where + ": no manifest";
        } else {
          Manifest m = parse_manifest(*text, where);
          if (m.partition != format_day(day))
            entry.manifest_error = where + ": the manifest is for " + m.partition + ", not " + format_day(day);
          else
            entry.manifest = std::move(m);
        }
      } catch (const Error& e) {
        // One unreadable manifest must not hide the other days from status or planning.
        entry.manifest_error = e.what();
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

PruneResult prune_partitions(ObjectStore& store, const std::string& prefix, int retention_days, int64_t now_seconds,
                             bool dry_run) {
  if (retention_days < 0) throw UsageError("retention_days must not be negative");
  const int64_t today = day_of_ms(now_seconds * 1000);
  const int64_t cutoff = today - retention_days;

  PruneResult result;
  std::vector<std::string> manifests, data;
  for (const PartitionEntry& entry : list_partitions(store, prefix, false)) {
    if (entry.day >= cutoff) break;  // entries are in day order
    result.days.push_back(entry.day);
    for (const ObjectInfo& o : entry.objects) {
      result.deleted_keys.push_back(o.key);
      (is_manifest_key(o.key) ? manifests : data).push_back(o.key);
    }
  }
  if (dry_run) return result;
  // Manifests go first: a manifest claims "this day is exported, here is its file". Were the
  // data deleted first, a crash in between would leave manifests describing files that no
  // longer exist (status would show them as healthy, a backfill would skip them as verified).
  // The other way round a crash leaves manifest-less data, which the next prune still finds
  // by its layout key and deletes.
  store.remove_many(manifests);
  store.remove_many(data);
  return result;
}

}  // namespace aesync
