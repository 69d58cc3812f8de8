#include "cli/check_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include "cli/posthog_command.h"
#include "net/retry.h"
#include "source/window_source.h"
#include "sync/factories.h"
#include "sync/partition_index.h"
#include "sync/schema_drift.h"
#include "util/error.h"
#include "util/json_writer.h"
#include "util/log.h"
#include "util/time.h"

namespace aesync::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Prints each check as it is made (text), or collects them for one JSON object at the end.
struct CheckPrinter {
  std::ostream& out;
  bool json = false;
  bool failed = false;
  struct Check {
    std::string status, name, detail;
  };
  std::vector<Check> checks;  // --json: printed by finish()

  void line(const char* status, const char* name, const std::string& detail) {
    if (std::string_view(status) == "FAIL") failed = true;
    if (json) {
      checks.push_back({status, name, log::redact(detail)});
      return;
    }
    char head[48];
    std::snprintf(head, sizeof head, "%-4s  %-11s  ", status, name);
    out << head << log::redact(detail) << "\n";
    out.flush();
  }

  void finish() {
    if (!json) return;
    std::string o = "{\"checks\": [";
    for (size_t i = 0; i < checks.size(); ++i)
      o += (i ? ", {\"status\": " : "{\"status\": ") + json::quote(checks[i].status) +
           ", \"name\": " + json::quote(checks[i].name) + ", \"detail\": " + json::quote(checks[i].detail) + "}";
    o += std::string("], \"failed\": ") + (failed ? "true" : "false") + "}\n";
    out << o;
    out.flush();
  }
};

std::string probe_key(const Config& config) {
  std::random_device rd;
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return config.destination.prefix + "/_aesync_check/" + format_rfc3339(now) + "-" + std::to_string(::getpid()) + "-" +
         suffix + ".txt";
}

void check_file_source(const SourceConfig& s, CheckPrinter& p) {
  if (s.path == "-")
    p.line("ok", "source", "file: standard input");
  else if (std::ifstream(s.path).good())
    p.line("ok", "source", "file: " + s.path + " is readable");
  else
    p.line("FAIL", "source", "file: cannot open " + s.path);
}

void check_source(const Config& config, CheckPrinter& p) {
  const SourceConfig& s = config.source;
  if (!config.has_source) {
    p.line("FAIL", "source", "the config has no [source] table");
  } else if (s.type == SourceType::File) {
    check_file_source(s, p);
  } else {
    // Every dataset the tables read, once each, in the order of their first table.
    std::vector<std::string> datasets;
    for (const TableConfig& t : config.tables)
      if (std::find(datasets.begin(), datasets.end(), t.dataset) == datasets.end()) datasets.push_back(t.dataset);
    for (const std::string& dataset : datasets) {
      try {
        std::unique_ptr<WindowSource> source = open_window_source(source_for_dataset(s, dataset));
        const std::string seen = source->probe();
        p.line("ok", "source", source->describe() + ": " + seen);
      } catch (const std::exception& e) {
        p.line("FAIL", "source", e.what());
      }
    }
  }
}

// The destination store when the probe went through (the schema check reads from it), else null.
std::unique_ptr<ObjectStore> check_destination(const Config& config, CheckPrinter& p) {
  const auto t0 = Clock::now();
  std::string key;
  try {
    auto store = open_destination(config);
    key = probe_key(config);
    const std::string body = "aesync check probe " + key + "\n";
    store->put(key, body);
    std::optional<std::string> back = store->get(key);
    if (!back) throw StorageError("the probe " + store->describe(key) + " was written but cannot be read back");
    if (*back != body) throw StorageError("the probe " + store->describe(key) + " read back different bytes");
    store->remove(key);
    if (store->head(key)) throw StorageError("the probe " + store->describe(key) + " is still there after delete");
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    p.line("ok", "destination",
           "wrote, read back and deleted " + store->describe(key) + " (" + std::to_string(ms) + " ms)");
    return store;
  } catch (const std::exception& e) {
    p.line("FAIL", "destination", e.what());
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> schema_warnings(const Config& config, ObjectStore& store) {
  std::vector<std::string> out;
  for (const TableConfig& table : config.tables) {
    try {
      const std::string w = find_schema_drift(table, list_partitions(store, table.prefix, true)).warning(table);
      if (!w.empty()) out.push_back(w);
    } catch (const std::exception& e) {
      out.push_back("table " + table.name + ": cannot read its manifests: " + e.what());
    }
  }
  return out;
}

int run_check(const Config& config, std::ostream& out, const CheckOptions& options) {
  // Each endpoint once, connecting within 5 s: a person is waiting for this answer.
  const net::FailFastScope fail_fast;
  CheckPrinter p{out, options.json, false, {}};
  p.line("ok", "config", config.file.empty() ? "built-in defaults" : config.file);
  check_source(config, p);
  std::unique_ptr<ObjectStore> store = check_destination(config, p);
  if (config.posthog) {
    try {
      p.line("ok", "posthog", check_posthog(config));
    } catch (const std::exception& e) {
      p.line("FAIL", "posthog", e.what());
    }
  } else
    p.line("skip", "posthog", "no [posthog] table");
  // Last, so that the lines above keep their places; a warning, not a failure: the days are
  // readable, just not together with the new ones.
  if (store)
    for (const std::string& w : schema_warnings(config, *store)) p.line("warn", "schema", w);
  p.finish();
  return p.failed ? 1 : 0;
}

int report_config_failure(const ConfigError& error, std::ostream& out, const CheckOptions& options) {
  CheckPrinter p{out, options.json, false, {}};
  for (const std::string& message : error_messages(error)) p.line("FAIL", "config", message);
  p.finish();
  return error.exit_code();
}

int run_check_offline(const Config& config, std::ostream& out, const CheckOptions& options) {
  CheckPrinter p{out, options.json, false, {}};
  constexpr const char* kOffline = " (offline: not contacted)";
  p.line("ok", "config", config.file + ": every section, ${VAR} and _file");
  const SourceConfig& s = config.source;
  if (!config.has_source) {
    p.line("FAIL", "source", "the config has no [source] table");
  } else {
    switch (s.type) {
      case SourceType::File: check_file_source(s, p); break;
      case SourceType::AnalyticsEngine:
        p.line("ok", "source", "analytics-engine: account " + s.account_id + " at " + s.api_base + kOffline);
        break;
      case SourceType::ClickHouse: p.line("ok", "source", "clickhouse: " + s.url + kOffline); break;
    }
  }
  const DestinationConfig& d = config.destination;
  switch (d.type) {
    case DestinationType::Local: p.line("ok", "destination", "local: " + d.path + " (offline: not written)"); break;
    case DestinationType::S3:
    case DestinationType::R2:
      p.line("ok", "destination",
             std::string(to_string(d.type)) + ": bucket " + d.bucket + " at " + d.endpoint + kOffline);
      break;
  }
  if (config.posthog)
    p.line("ok", "posthog", "project " + config.posthog->project_id + " at " + config.posthog->host + kOffline);
  else
    p.line("skip", "posthog", "no [posthog] table");
  p.finish();
  return p.failed ? 1 : 0;
}

}  // namespace aesync::cli
