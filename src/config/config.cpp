// The public face of the config stage (config.h): load_config / parse_config over the loader
// (loader.h), the built-in defaults, Config::secrets() derived from the key table (keys.h), and
// the spellings of the config's enums.
#include "config/config.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "config/keys.h"
#include "config/loader.h"
#include "config/toml_input.h"
#include "util/error.h"
#include "util/text.h"

namespace aesync {

namespace fs = std::filesystem;

std::vector<std::string> Config::secrets() const {
  // Access key ids are not secret, but redacting them too costs nothing and keeps logs clean.
  std::vector<std::string> out;
  for (const config_keys::KeySpec& k : config_keys::all_keys()) {
    if (!k.redacted() || (k.section == "posthog" && !posthog)) continue;
    // The table's accessors serve the loader too, hence non-const; this only reads through one.
    const std::string& s = *k.text(const_cast<Config&>(*this));
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

namespace {

fs::path base_dir_of(const std::string& file) { return fs::path(file).parent_path(); }

}  // namespace

Config parse_config(std::string_view toml_text, const std::string& file_name, const ConfigNeeds& needs) {
  return config_loader::Loader(file_name, base_dir_of(file_name), needs).load(toml_text);
}

Config load_config(const std::string& path, const ConfigNeeds& needs) {
  std::error_code ec;
  // When exists() fails, read_file says why.
  if (!fs::exists(path, ec) && !ec) throw ConfigError(shown("config file " + path + " not found"));
  std::string text, reason;
  if (!config_input::read_file(path, config_input::kMaxConfigFileBytes, text, reason))
    throw ConfigError(shown("config file " + path + ": cannot read: " + reason));
  config_loader::Loader loader(path, base_dir_of(path), needs);
  Config c = loader.load(text);
  struct stat st {};
  if (!loader.literal_secrets().empty() && ::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    std::string keys;
    for (const std::string& k : loader.literal_secrets()) keys += (keys.empty() ? "" : ", ") + k;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    c.warnings.push_back(path + ": " + keys + (loader.literal_secrets().size() == 1 ? " is" : " are") +
                         " written in clear in a file that group or others can read (mode " + mode +
                         "); use ${VAR} or <key>_file, or chmod 600 " + path);
  }
  return c;
}

std::vector<std::string> error_messages(const std::exception& e) {
  if (const auto* all = dynamic_cast<const ConfigErrors*>(&e)) return all->messages();
  return {e.what()};
}

SourceConfig source_for_dataset(const SourceConfig& source, const std::string& dataset) {
  SourceConfig s = source;
  switch (source.type) {
    case SourceType::AnalyticsEngine: s.dataset = dataset; break;
    case SourceType::ClickHouse: s.table = dataset; break;
    case SourceType::File: break;
  }
  return s;
}

Config default_config() {
  Config c;
  // Move-assigned: assigning the literals trips GCC 12's false -Wrestrict at -O2 (GCC bug 105329).
  c.source.type = SourceType::File;
  c.source.path = std::string("-");
  c.has_source = true;
  c.tables.push_back(config_loader::single_table(c));
  return c;
}

std::string_view to_string(SourceType t) {
  switch (t) {
    case SourceType::AnalyticsEngine: return "analytics-engine";
    case SourceType::ClickHouse: return "clickhouse";
    case SourceType::File: return "file";
  }
  return "?";
}

std::string_view to_string(DestinationType t) {
  switch (t) {
    case DestinationType::Local: return "local";
    case DestinationType::S3: return "s3";
    case DestinationType::R2: return "r2";
  }
  return "?";
}

std::string_view to_string(OutputFormat f) {
  switch (f) {
    case OutputFormat::Parquet: return "parquet";
    case OutputFormat::Csv: return "csv";
  }
  return "?";
}

std::string_view to_string(Compression c) {
  switch (c) {
    case Compression::None: return "none";
    case Compression::Zstd: return "zstd";
    case Compression::Snappy: return "snappy";
    case Compression::Gzip: return "gzip";
  }
  return "?";
}

std::optional<OutputFormat> parse_output_format(std::string_view s) {
  for (OutputFormat f : {OutputFormat::Parquet, OutputFormat::Csv})
    if (to_string(f) == s) return f;
  return std::nullopt;
}

}  // namespace aesync
