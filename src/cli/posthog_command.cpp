#include "cli/posthog_command.h"

#include <simdjson.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.h"
#include "net/retry.h"
#include "sync/factories.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/json_writer.h"
#include "util/log.h"

namespace aesync::cli {

namespace {

constexpr std::string_view kMask = "***";
// PostHog runs a DESCRIBE over the bucket on create/update/refresh: give it time.
constexpr int64_t kRequestTimeoutSeconds = 180;
constexpr int kMaxRetries = 6;
constexpr size_t kMaxErrorText = 2000;

const PostHogConfig& posthog_of(const Config& config) {
  if (!config.posthog)
    throw ConfigError("posthog.* is not configured: add a [posthog] table" +
                      (config.file.empty() ? std::string() : " to " + config.file));
  if (config.destination.type == DestinationType::Local)
    throw ConfigError("posthog: destination.type = \"local\" in " + config.file +
                      ": PostHog reads the files from R2 or S3, use an r2 or s3 destination");
  return *config.posthog;
}

// The format name PostHog's warehouse (ClickHouse's s3()) knows our data files by.
std::string posthog_format(const OutputConfig& output) {
  switch (output.format) {
    case OutputFormat::Csv: return "CSVWithNames";
    case OutputFormat::Parquet: return "Parquet";
  }
  return "Parquet";
}

// <endpoint>/<bucket>/<prefix>/*/<data file>: one `*` matches the day folder (not across '/').
std::string url_pattern(const Config& config) {
  const DestinationConfig& d = config.destination;
  std::string url = d.endpoint + "/" + d.bucket + "/";
  if (!d.prefix.empty()) url += d.prefix + "/";
  return url + "*/" + data_file_name(config.output);
}

// The warehouse table body of POST and PATCH; `secret` is the real one or the mask.
std::string table_body(const Config& config, std::string_view secret) {
  const PostHogConfig& p = *config.posthog;
  std::string b = "{\"name\":";
  json::append_string(b, p.table);
  b += ",\"format\":";
  json::append_string(b, posthog_format(config.output));
  b += ",\"url_pattern\":";
  json::append_string(b, url_pattern(config));
  b += ",\"credential\":{\"access_key\":";
  json::append_string(b, p.read_access_key_id);
  b += ",\"access_secret\":";
  json::append_string(b, secret);
  b += "}}";
  return b;
}

std::string view_link_body(const PostHogConfig& p) {
  std::string b = "{\"source_table_name\":\"events\",\"source_table_key\":";
  json::append_string(b, p.join_events_on);
  b += ",\"joining_table_name\":";
  json::append_string(b, p.table);
  b += ",\"joining_table_key\":\"machine_id\",\"field_name\":";
  json::append_string(b, p.table);
  b += "}";
  return b;
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  // Redacted before it is cut: a secret PostHog echoed must not survive as a cut-off prefix.
  std::string out = log::redact(s.substr(first, last - first + 1));
  if (out.size() > kMaxErrorText) out = out.substr(0, kMaxErrorText) + "...";
  return out;
}

// PostHog's words for a failed request: the `detail` of its JSON error body (DRF's format), or
// the body as it came when it is not that.
std::string error_text(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (!parser.parse(body).get(doc)) {
    std::string_view detail;
    if (!doc["detail"].get_string().get(detail)) return trim(detail);
  }
  return trim(body);
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

class PostHogApi {
 public:
  explicit PostHogApi(const PostHogConfig& p)
      : p_(p), policy_(net::RetryPolicy::with_retries(kMaxRetries)), base_("/api/projects/" + p.project_id) {}

  const std::string& base() const { return base_; }

  //! Sends one request (retried on 429, 5xx and transport failures) and returns the parsed 2xx
  //! answer (null when the body is empty). Anything else throws PostHog's words.
  simdjson::dom::element call(const std::string& method, const std::string& path, const std::string& body = {}) {
    net::Request request;
    request.method = method;
    request.url = p_.host + path;
    request.timeout_seconds = kRequestTimeoutSeconds;
    request.headers = {{"Authorization", "Bearer " + p_.api_key}, {"Accept", "application/json"}};
    if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
    request.body = body;
    const std::string what = "posthog: " + method + " " + path;
    net::Backoff backoff(policy_);
    for (int n = 1;; ++n) {
      std::string failure;
      std::optional<std::chrono::milliseconds> retry_after;
      try {
        net::Response response = client_.send(request);
        if (response.status >= 200 && response.status <= 299) {
          body_ = std::move(response.body);
          if (trim(body_).empty()) body_ = "null";
          simdjson::dom::element doc;
          if (parser_.parse(body_).get(doc))
            throw Error(what + ": HTTP " + std::to_string(response.status) + ": the answer is not JSON: " + trim(body_));
          return doc;
        }
        failure = "HTTP " + std::to_string(response.status);
        const std::string text = error_text(response.body);
        if (!text.empty()) failure += ": " + text;
        if (!net::retryable_status(response.status)) throw Error(what + ": " + failure);
        if (auto v = response.header("retry-after"))
          retry_after = net::parse_retry_after(
              *v, std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                      .count());
      } catch (const net::CancelledError&) {
        throw Error(what + ": cancelled");
      } catch (const net::NetworkError& e) {
        failure = e.what();
        if (e.certificate_rejected) throw Error(what + ": " + failure);  // retrying cannot help
      }
      if (n > policy_.max_retries)
        throw Error(what + ": failed after " + std::to_string(n) + " attempts: " + failure);
      const std::chrono::milliseconds delay = backoff.delay(n, retry_after);
      log::warn("retrying PostHog request", {{"request", method + " " + path},
                                             {"attempt", n},
                                             {"error", failure},
                                             {"delay_ms", static_cast<int64_t>(delay.count())}});
      if (!cancel::sleep_for(delay)) throw Error(what + ": cancelled");
    }
  }

 private:
  const PostHogConfig& p_;
  net::RetryPolicy policy_;
  std::string base_;
  net::HttpClient client_;
  simdjson::dom::parser parser_;
  std::string body_;  // owns the bytes the last answer's elements point into
};

void print_request(std::ostream& out, const PostHogConfig& p, const std::string& method, const std::string& path,
                   const std::string& body, std::string_view when) {
  out << method << " " << p.host << path;
  if (!when.empty()) out << "   (" << when << ")";
  out << "\n  Authorization: Bearer " << kMask << "\n";
  if (!body.empty()) out << "  Content-Type: application/json\n  " << body << "\n";
}

int dry_run_link(const Config& config, std::ostream& out) {
  const PostHogConfig& p = *config.posthog;
  const std::string tables = "/api/projects/" + p.project_id + "/warehouse_tables/";
  const std::string body = table_body(config, kMask);
  out << "dry run: nothing is sent; `aesync posthog link` would make these requests:\n";
  print_request(out, p, "GET", tables + "?search=" + net::uri_encode(p.table, false), {}, "find the table by name");
  print_request(out, p, "POST", tables, body, "when no table named " + p.table + " exists");
  print_request(out, p, "PATCH", tables + "<table id>/", body, "when it exists");
  print_request(out, p, "POST", tables + "<table id>/refresh_schema/", {}, {});
  if (!p.join_events_on.empty()) {
    const std::string links = "/api/projects/" + p.project_id + "/warehouse_view_links/";
    print_request(out, p, "GET", links, {}, "find the saved join");
    print_request(out, p, "POST", links, view_link_body(p), "when that saved join does not exist");
  }
  return 0;
}

}  // namespace

int run_posthog_print(const Config& config, std::ostream& out) {
  const PostHogConfig& p = posthog_of(config);
  const std::string url = url_pattern(config);
  const std::string format = posthog_format(config.output);
  const bool r2 = config.destination.type == DestinationType::R2;
  out << "PostHog data warehouse source for this config:\n"
      << "  table name:        " << p.table << "\n"
      << "  files URL pattern: " << url << "\n"
      << "  format:            " << format << "\n"
      << "  access key:        " << p.read_access_key_id << "  (posthog.read_access_key_id)\n"
      << "  access secret:     " << kMask << "  (posthog.read_secret_access_key, the read-only pair)\n"
      << "\n"
      << "In PostHog (project " << p.project_id << " at " << p.host << "):\n"
      << "  1. Data warehouse -> New source -> Self-managed -> "
      << (r2 ? "Cloudflare R2" : "Amazon S3") << "\n"
      << "  2. Table name: " << p.table << "\n"
      << "  3. Files URL pattern: " << url << "\n"
      << "  4. File format: " << format << "\n"
      << "  5. Access key: " << p.read_access_key_id << "; secret: the value of posthog.read_secret_access_key\n"
      << "  6. Link: PostHog reads the files once to learn the columns\n";
  if (!p.join_events_on.empty())
    out << "  7. Data warehouse -> " << p.table << " -> Add join: events." << p.join_events_on << " = " << p.table
        << ".machine_id\n";
  out << "Or run `aesync posthog link` to do this through PostHog's API.\n";
  if (url.rfind("https://", 0) != 0)
    out << "note: PostHog accepts only https URLs on a public host; " << config.destination.endpoint
        << " is not one\n";
  return 0;
}

int run_posthog_link(const Config& config, bool dry_run, std::ostream& out) {
  const PostHogConfig& p = posthog_of(config);
  if (dry_run) return dry_run_link(config, out);

  PostHogApi api(p);
  const std::string tables = api.base() + "/warehouse_tables/";
  const std::string body = table_body(config, p.read_secret_access_key);

  // Find the table by exact name (search matches substrings).
  std::optional<std::string> table_id;
  simdjson::dom::element list = api.call("GET", tables + "?search=" + net::uri_encode(p.table, false));
  simdjson::dom::array results;
  if (!list["results"].get_array().get(results)) {
    for (simdjson::dom::element t : results)
      if (string_field(t, "name") == p.table) {
        table_id = id_of(t);
        if (table_id) break;
      }
  }

  if (table_id) {
    api.call("PATCH", tables + net::uri_encode(*table_id, false) + "/", body);
    out << "updated warehouse table " << p.table << " (id " << *table_id << ")\n";
  } else {
    simdjson::dom::element created = api.call("POST", tables, body);
    table_id = id_of(created);
    if (!table_id) throw Error("posthog: POST " + tables + ": the answer has no table id");
    out << "created warehouse table " << p.table << " (id " << *table_id << ")\n";
  }
  out.flush();

  const std::string table_path = tables + net::uri_encode(*table_id, false) + "/";
  simdjson::dom::element refreshed = api.call("POST", table_path + "refresh_schema/");
  std::optional<size_t> columns = column_count(refreshed);
  if (!columns) columns = column_count(api.call("GET", table_path));
  out << "refreshed schema: " << (columns ? std::to_string(*columns) : std::string("?")) << " columns\n";
  out.flush();

  if (!p.join_events_on.empty()) {
    const std::string links = api.base() + "/warehouse_view_links/";
    const std::string join = "events." + p.join_events_on + " = " + p.table + ".machine_id";
    simdjson::dom::element existing = api.call("GET", links);
    simdjson::dom::array items;
    bool found = false;
    if (!existing["results"].get_array().get(items)) {
      for (simdjson::dom::element l : items)
        if (string_field(l, "source_table_name") == "events" && string_field(l, "joining_table_name") == p.table &&
            string_field(l, "source_table_key") == p.join_events_on &&
            string_field(l, "joining_table_key") == "machine_id")
          found = true;
    }
    if (found) {
      out << "saved join " << join << " already exists\n";
    } else {
      api.call("POST", links, view_link_body(p));
      out << "created saved join " << join << "\n";
    }
  }
  return 0;
}

std::string check_posthog(const Config& config) {
  const PostHogConfig& p = posthog_of(config);
  PostHogApi api(p);
  simdjson::dom::element list =
      api.call("GET", api.base() + "/warehouse_tables/?search=" + net::uri_encode(p.table, false));
  simdjson::dom::array results;
  if (!list["results"].get_array().get(results))
    for (simdjson::dom::element t : results)
      if (string_field(t, "name") == p.table) return p.host + ": project " + p.project_id + ", table " + p.table + " is linked";
  return p.host + ": project " + p.project_id + " reachable; table " + p.table +
         " is not linked yet (aesync posthog link)";
}

}  // namespace aesync::cli
