#include "source/window_source.h"

#include "source/sql_window_source.h"
#include "util/time.h"

namespace aesync {

std::string Window::describe() const { return "[" + format_rfc3339(start) + ", " + format_rfc3339(end) + ")"; }

std::unique_ptr<WindowSource> open_window_source(const SourceConfig& config) {
  if (config.type == "analytics-engine") return open_ae_source(config);
  if (config.type == "clickhouse") return open_clickhouse_source(config);
  throw ConfigError("source.type \"" + config.type + "\" is not a remote source (analytics-engine, clickhouse)");
}

}  // namespace aesync
