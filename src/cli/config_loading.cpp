#include "cli/config_loading.h"

#include <cstdlib>
#include <filesystem>

#include "util/log.h"

namespace aesync::cli {

namespace {

std::string given_config(const std::string& config_flag) {
  if (!config_flag.empty()) return config_flag;
  if (const char* env = std::getenv("AESYNC_CONFIG"); env && *env) return env;
  return {};
}

bool name_ends_with(const std::string& name, std::string_view suffix) {
  return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string find_config(const std::string& config_flag) {
  if (std::string path = given_config(config_flag); !path.empty()) return path;
  if (std::filesystem::exists("aesync.toml")) return "aesync.toml";
  return {};
}

Config load_required_config(const std::string& config_flag, const ConfigNeeds& needs) {
  const std::string path = find_config(config_flag);
  if (path.empty()) throw ConfigError("no config file: pass -c FILE, set AESYNC_CONFIG, or create ./aesync.toml");
  Config config = load_config(path, needs);
  log::debug("config", {{"file", path}});  // once loaded: a config error is the one line said about it
  return config;
}

Config load_convert_config(const std::string& config_flag, bool& given) {
  const std::string path = given_config(config_flag);
  given = !path.empty();
  if (!given) return default_config();
  Config config = load_config(path, needs::kConvert);
  // A config changes the mapping and the format: say so, as it is no longer the default.
  log::info("convert uses a config", {{"config", path},
                                      {"format", to_string(config.output.format)},
                                      {"mapping", config.builtin_schema ? "built-in" : "[[columns]]"}});
  return config;
}

void warn_if_name_disagrees(OutputFormat format, const std::string& output) {
  std::string_view named;
  if (name_ends_with(output, ".csv") || name_ends_with(output, ".csv.gz")) {
    named = to_string(OutputFormat::Csv);
  } else if (name_ends_with(output, ".parquet")) {
    named = to_string(OutputFormat::Parquet);
  }
  if (named.empty() || named == to_string(format)) return;
  log::warn("the output's name says another format than the one written",
            {{"output", output}, {"format", to_string(format)}, {"name_says", named}});
}

}  // namespace aesync::cli
