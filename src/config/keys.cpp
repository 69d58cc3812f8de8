// The key table (keys.h) and the lists derived from it.
#include "config/keys.h"

#include <map>

namespace aesync::config_keys {

namespace {

using K = KeyKind;

// One entry per key; the lambdas say where its value is stored.
const KeySpec kKeys[] = {
    // [source]
    {.section = "source", .name = "type", .kind = K::Choice},
    {.section = "source",
     .name = "dataset",
     .kind = K::DashedName,
     .text = [](Config& c) { return &c.source.dataset; }},
    {.section = "source",
     .name = "account_id",
     .kind = K::AccountId,
     .text = [](Config& c) { return &c.source.account_id; }},
    {.section = "source",
     .name = "api_token",
     .kind = K::Secret,
     .text = [](Config& c) { return &c.source.api_token; }},
    {.section = "source",
     .name = "api_base",
     .kind = K::Url,
     .credentials_hint = "put the token in source.api_token",
     .text = [](Config& c) { return &c.source.api_base; }},
    {.section = "source",
     .name = "window",
     .kind = K::Duration,
     .lo = 60,
     .hi = 86400,
     .number = [](Config& c, int64_t v) { c.source.window_seconds = v; }},
    {.section = "source",
     .name = "window_rows",
     .kind = K::Integer,
     .lo = 1000,
     .hi = 10000000,
     .number = [](Config& c, int64_t v) { c.source.window_rows = v; }},
    {.section = "source",
     .name = "settle",
     .kind = K::Duration,
     .lo = 0,
     .hi = 86400,
     .number = [](Config& c, int64_t v) { c.source.settle_seconds = v; }},
    {.section = "source",
     .name = "timeout",
     .kind = K::Duration,
     .lo = 1,
     .hi = 3600,
     .number = [](Config& c, int64_t v) { c.source.timeout_seconds = v; }},
    {.section = "source",
     .name = "max_retries",
     .kind = K::Integer,
     .lo = 0,
     .hi = 20,
     .number = [](Config& c, int64_t v) { c.source.max_retries = static_cast<int>(v); }},
    {.section = "source",
     .name = "max_requests_per_minute",
     .kind = K::Integer,
     .lo = 1,
     .hi = 1200,
     .number = [](Config& c, int64_t v) { c.source.max_requests_per_minute = static_cast<int>(v); }},
    {.section = "source", .name = "verify", .kind = K::Boolean, .flag = [](Config& c) { return &c.source.verify; }},
    {.section = "source",
     .name = "url",
     .kind = K::Url,
     .credentials_hint = "use source.user and source.password",
     .text = [](Config& c) { return &c.source.url; }},
    {.section = "source", .name = "user", .kind = K::String, .text = [](Config& c) { return &c.source.user; }},
    {.section = "source", .name = "password", .kind = K::Secret, .text = [](Config& c) { return &c.source.password; }},
    {.section = "source", .name = "database", .kind = K::Name, .text = [](Config& c) { return &c.source.database; }},
    {.section = "source", .name = "table", .kind = K::Name, .text = [](Config& c) { return &c.source.table; }},
    {.section = "source", .name = "path", .kind = K::String, .text = [](Config& c) { return &c.source.path; }},
    {.section = "source",
     .name = "insecure_skip_verify",
     .kind = K::Boolean,
     .flag = [](Config& c) { return &c.source.insecure_skip_verify; }},

    // [destination]
    {.section = "destination", .name = "type", .kind = K::Choice},
    {.section = "destination",
     .name = "bucket",
     .kind = K::BucketName,
     .text = [](Config& c) { return &c.destination.bucket; }},
    {.section = "destination",
     .name = "endpoint",
     .kind = K::Url,
     .credentials_hint = "use destination.access_key_id and destination.secret_access_key",
     .text = [](Config& c) { return &c.destination.endpoint; }},
    {.section = "destination",
     .name = "region",
     .kind = K::Region,
     .text = [](Config& c) { return &c.destination.region; }},
    {.section = "destination",
     .name = "access_key_id",
     .kind = K::AccessKeyId,
     .text = [](Config& c) { return &c.destination.access_key_id; }},
    {.section = "destination",
     .name = "secret_access_key",
     .kind = K::Secret,
     .text = [](Config& c) { return &c.destination.secret_access_key; }},
    {.section = "destination",
     .name = "prefix",
     .kind = K::Prefix,
     .text = [](Config& c) { return &c.destination.prefix; }},
    {.section = "destination",
     .name = "path",
     .kind = K::String,
     .text = [](Config& c) { return &c.destination.path; }},
    {.section = "destination",
     .name = "insecure_skip_verify",
     .kind = K::Boolean,
     .flag = [](Config& c) { return &c.destination.insecure_skip_verify; }},
    {.section = "destination",
     .name = "timeout",
     .kind = K::Duration,
     .lo = 1,
     .hi = 3600,
     .number = [](Config& c, int64_t v) { c.destination.timeout_seconds = v; }},
    {.section = "destination",
     .name = "max_retries",
     .kind = K::Integer,
     .lo = 0,
     .hi = 20,
     .number = [](Config& c, int64_t v) { c.destination.max_retries = static_cast<int>(v); }},

    // [output]
    {.section = "output", .name = "format", .kind = K::Choice},
    {.section = "output", .name = "compression", .kind = K::Choice},
    {.section = "output",
     .name = "row_group_rows",
     .kind = K::Integer,
     .lo = 1,
     .hi = int64_t{1} << 24,
     .number = [](Config& c, int64_t v) { c.output.row_group_rows = v; }},

    // [sync]
    {.section = "sync",
     .name = "lookback_days",
     .kind = K::Integer,
     .lo = 0,
     .hi = 90,
     .number = [](Config& c, int64_t v) { c.sync.lookback_days = static_cast<int>(v); }},
    {.section = "sync",
     .name = "retention_days",
     .kind = K::Integer,
     .lo = 1,
     .hi = 3650,
     .number = [](Config& c, int64_t v) { c.sync.retention_days = static_cast<int>(v); }},
    {.section = "sync",
     .name = "every",
     .kind = K::Duration,
     .lo = 60,
     .hi = 86400,
     .number = [](Config& c, int64_t v) { c.sync.every_seconds = v; }},
    {.section = "sync",
     .name = "concurrency",
     .kind = K::Integer,
     .lo = 1,
     .hi = 64,
     .number = [](Config& c, int64_t v) { c.sync.concurrency = static_cast<int>(v); }},

    // [posthog]: stored only once the section exists (Config::posthog engaged).
    {.section = "posthog",
     .name = "host",
     .kind = K::Url,
     .credentials_hint = "put the key in posthog.api_key",
     .text = [](Config& c) { return &c.posthog->host; }},
    {.section = "posthog",
     .name = "project_id",
     .kind = K::ProjectId,
     .text = [](Config& c) { return &c.posthog->project_id; }},
    {.section = "posthog", .name = "api_key", .kind = K::Secret, .text = [](Config& c) { return &c.posthog->api_key; }},
    {.section = "posthog", .name = "table", .kind = K::Name, .text = [](Config& c) { return &c.posthog->table; }},
    {.section = "posthog",
     .name = "read_access_key_id",
     .kind = K::AccessKeyId,
     .text = [](Config& c) { return &c.posthog->read_access_key_id; }},
    {.section = "posthog",
     .name = "read_secret_access_key",
     .kind = K::Secret,
     .text = [](Config& c) { return &c.posthog->read_secret_access_key; }},
    {.section = "posthog",
     .name = "join_events_on",
     .kind = K::FieldPath,
     .text = [](Config& c) { return &c.posthog->join_events_on; }},

    // [[columns]]: each entry read whole by the column reader.
    {.section = "columns", .name = "name", .kind = K::EntryKey},
    {.section = "columns", .name = "from", .kind = K::EntryKey},
    {.section = "columns", .name = "type", .kind = K::EntryKey},
    {.section = "columns", .name = "when", .kind = K::EntryKey},
    {.section = "columns", .name = "empty_as_null", .kind = K::EntryKey},

    // [[tables]]: each entry read whole by the table reader (its columns by the column reader).
    {.section = "tables", .name = "name", .kind = K::EntryKey},
    {.section = "tables", .name = "prefix", .kind = K::EntryKey},
    {.section = "tables", .name = "dataset", .kind = K::EntryKey},
    {.section = "tables", .name = "where", .kind = K::EntryKey},
    {.section = "tables", .name = "columns", .kind = K::EntryKey},
    {.section = "tables", .name = "rollup", .kind = K::EntryKey},
    {.section = "tables", .name = "join_events_on", .kind = K::EntryKey},
};

constexpr std::string_view kSections[] = {"source", "destination", "output", "sync", "posthog", "columns", "tables"};

}  // namespace

std::span<const KeySpec> all_keys() { return kKeys; }

std::span<const std::string_view> sections() { return kSections; }

const std::vector<std::string>& known_keys(std::string_view section) {
  static const std::map<std::string_view, std::vector<std::string>, std::less<>> known = [] {
    std::map<std::string_view, std::vector<std::string>, std::less<>> out;
    for (std::string_view section : kSections) out[""].emplace_back(section);  // the top level
    for (const KeySpec& k : kKeys) {
      std::vector<std::string>& names = out[k.section];
      names.emplace_back(k.name);
      if (k.file_allowed()) names.push_back(std::string(k.name) + "_file");
    }
    return out;
  }();
  static const std::vector<std::string> none;
  const auto it = known.find(section);
  return it == known.end() ? none : it->second;
}

}  // namespace aesync::config_keys
