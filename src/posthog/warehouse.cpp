#include "posthog/warehouse.h"

#include "net/http_client.h"
#include "sync/layout.h"
#include "util/error.h"
#include "util/json_writer.h"

namespace aesync::posthog {

namespace {

std::string tables_path(const PostHogConfig& p) { return "/api/projects/" + p.project_id + "/warehouse_tables/"; }
std::string links_path(const PostHogConfig& p) { return "/api/projects/" + p.project_id + "/warehouse_view_links/"; }
std::string search_path(const PostHogConfig& p, const WarehouseTable& t) {
  return tables_path(p) + "?search=" + net::uri_encode(t.name, false);
}

// A JSON id as text: PostHog's warehouse ids are UUID strings, view links' too; numbers accepted.
std::optional<std::string> id_of(simdjson::dom::element e) {
  simdjson::dom::element id;
  if (e["id"].get(id)) return std::nullopt;
  std::string_view s;
  if (!id.get_string().get(s)) return std::string(s);
  int64_t i;
  if (!id.get_int64().get(i)) return std::to_string(i);
  return std::nullopt;
}

std::string string_field(simdjson::dom::element e, const char* key) {
  std::string_view s;
  if (e[key].get_string().get(s)) return {};
  return std::string(s);
}

// Columns of a table answer: an object (name -> type info) or an array, depending on version.
std::optional<size_t> column_count(simdjson::dom::element table) {
  simdjson::dom::element columns;
  if (table["columns"].get(columns)) return std::nullopt;
  simdjson::dom::object o;
  if (!columns.get_object().get(o)) return o.size();
  simdjson::dom::array a;
  if (!columns.get_array().get(a)) return a.size();
  return std::nullopt;
}

}  // namespace

const PostHogConfig& settings_of(const Config& config) {
  if (!config.posthog)
    throw ConfigError("posthog.* is not configured: add a [posthog] table" +
                      (config.file.empty() ? std::string() : " to " + config.file));
  if (config.destination.type == DestinationType::Local)
    throw ConfigError("posthog: destination.type = \"local\" in " + config.file +
                      ": PostHog reads the files from R2 or S3, use an r2 or s3 destination");
  return *config.posthog;
}

std::string format_name(OutputFormat format) {
  switch (format) {
    case OutputFormat::Csv: return "CSVWithNames";
    case OutputFormat::Parquet: return "Parquet";
  }
  return "Parquet";
}

std::vector<WarehouseTable> warehouse_tables(const Config& config) {
  std::vector<WarehouseTable> tables;
  for (const TableConfig& t : config.tables) tables.push_back({t.name, t.prefix, t.join_events_on});
  if (tables.empty()) {
    const PostHogConfig p = config.posthog.value_or(PostHogConfig{});
    tables.push_back({p.table, config.destination.prefix, p.join_events_on});
  }
  return tables;
}

std::vector<WarehouseTable> select_tables(const std::vector<WarehouseTable>& tables, std::string_view name) {
  if (name.empty()) return tables;
  std::string names;
  for (const WarehouseTable& t : tables) {
    if (t.name == name) return {t};
    names += (names.empty() ? "" : ", ") + t.name;
  }
  throw UsageError("--table: no table named \"" + std::string(name) + "\" in the config (its tables: " + names + ")");
}

std::string url_pattern(const Config& config, const WarehouseTable& table) {
  const DestinationConfig& d = config.destination;
  std::string url = d.endpoint + "/" + d.bucket + "/";
  if (!table.prefix.empty()) url += table.prefix + "/";
  return url + "*/" + data_file_name(config.output);
}

std::string table_body(const Config& config, const WarehouseTable& table, std::string_view secret) {
  const PostHogConfig& p = *config.posthog;
  std::string b = "{\"name\":";
  json::append_string(b, table.name);
  b += ",\"format\":";
  json::append_string(b, format_name(config.output.format));
  b += ",\"url_pattern\":";
  json::append_string(b, url_pattern(config, table));
  b += ",\"credential\":{\"access_key\":";
  json::append_string(b, p.read_access_key_id);
  b += ",\"access_secret\":";
  json::append_string(b, secret);
  b += "}}";
  return b;
}

std::string view_link_body(const WarehouseTable& t) {
  std::string b = "{\"source_table_name\":\"events\",\"source_table_key\":";
  json::append_string(b, t.join_events_on);
  b += ",\"joining_table_name\":";
  json::append_string(b, t.name);
  b += ",\"joining_table_key\":\"machine_id\",\"field_name\":";
  json::append_string(b, t.name);
  b += "}";
  return b;
}

std::string events_join(const WarehouseTable& t) {
  return "events." + t.join_events_on + " = " + t.name + ".machine_id";
}

bool refresh_unsupported(long status) { return status == 404 || status == 405; }

std::vector<PlannedRequest> link_plan(const Config& config, const std::vector<WarehouseTable>& tables) {
  const PostHogConfig& p = *config.posthog;
  const std::string list = tables_path(p);
  std::vector<PlannedRequest> plan;
  for (const WarehouseTable& t : tables) {
    const std::string body = table_body(config, t, kMask);
    plan.push_back({"GET", search_path(p, t), {}, "find the table by name"});
    plan.push_back({"POST", list, body, "when no table named " + t.name + " exists"});
    plan.push_back({"PATCH", list + "<table id>/", body, "when it exists"});
    plan.push_back({"POST", list + "<table id>/refresh_schema/", {}, {}});
    if (!t.join_events_on.empty()) {
      plan.push_back({"GET", links_path(p), {}, "find the saved join"});
      plan.push_back({"POST", links_path(p), view_link_body(t), "when that saved join does not exist"});
    }
  }
  return plan;
}

Warehouse::Warehouse(const Config& config) : config_(config), settings_(settings_of(config)), client_(settings_) {}

TableLookup Warehouse::find_table(const WarehouseTable& table) {
  TableLookup lookup;
  simdjson::dom::element list = client_.call("GET", search_path(settings_, table));
  simdjson::dom::array results;
  if (list["results"].get_array().get(results)) return lookup;
  for (simdjson::dom::element t : results) {
    if (string_field(t, "name") != table.name) continue;
    lookup.found = true;
    lookup.id = id_of(t);
    if (lookup.id) break;
  }
  return lookup;
}

std::string Warehouse::create_table(const WarehouseTable& table) {
  const std::string tables = tables_path(settings_);
  const std::string body = table_body(config_, table, settings_.read_secret_access_key);
  std::optional<std::string> id = id_of(client_.call("POST", tables, body));
  if (!id) throw Error("posthog: POST " + tables + ": the answer has no table id");
  return *id;
}

void Warehouse::update_table(const WarehouseTable& table, const std::string& id) {
  client_.call("PATCH", tables_path(settings_) + net::uri_encode(id, false) + "/",
               table_body(config_, table, settings_.read_secret_access_key));
}

std::optional<size_t> Warehouse::refresh_schema(const std::string& id) {
  const std::string table = tables_path(settings_) + net::uri_encode(id, false) + "/";
  std::optional<size_t> columns = column_count(client_.call("POST", table + "refresh_schema/"));
  // Some versions answer the refresh without the table: ask for it.
  if (!columns) columns = column_count(client_.call("GET", table));
  return columns;
}

bool Warehouse::events_join_exists(const WarehouseTable& table) {
  bool found = false;
  // PostHog pages saved joins by 100: ours may be on any page.
  client_.for_each_result(links_path(settings_), [&](simdjson::dom::element l) {
    found = string_field(l, "source_table_name") == "events" && string_field(l, "joining_table_name") == table.name &&
            string_field(l, "source_table_key") == table.join_events_on &&
            string_field(l, "joining_table_key") == "machine_id";
    return !found;
  });
  return found;
}

void Warehouse::create_events_join(const WarehouseTable& table) {
  client_.call("POST", links_path(settings_), view_link_body(table));
}

}  // namespace aesync::posthog
