// Which config file a command reads, and which of its sections (docs/configuration.md, "What each
// command reads"): a command that does not use a section neither expands nor checks it, so an
// unset ${VAR} in [source] does not stop `posthog print`, nor anything at all stop `convert`.
// The config file is -c, then $AESYNC_CONFIG, then ./aesync.toml; `convert` reads a config only
// when given one (-c or $AESYNC_CONFIG) and logs which.
#pragma once

#include <ostream>
#include <string>

#include "config/config.h"
#include "util/error.h"

namespace aesync::cli {

//! The sections each command reads.
namespace needs {
inline constexpr ConfigNeeds kCheck{};
//! sync and daemon: everything but [posthog]'s credentials (its table and join name the table).
inline constexpr ConfigNeeds kSync{.posthog = false};
//! prune and status: the destination's days, by table.
inline constexpr ConfigNeeds kDestination{.source = false, .posthog = false};
//! posthog print and link: the tables, where they are (destination, output) and PostHog.
inline constexpr ConfigNeeds kPostHog{.source = false, .sync = false};
//! convert: the output format and the top-level mapping.
inline constexpr ConfigNeeds kConvert{
    .source = false, .destination = false, .sync = false, .posthog = false, .tables = false};
}  // namespace needs

//! -c, then $AESYNC_CONFIG, then ./aesync.toml; empty when none is given and none exists.
std::string find_config(const std::string& config_flag);

//! The config (find_config) read for `needs`; a ConfigError when there is none.
Config load_required_config(const std::string& config_flag, const ConfigNeeds& needs);

//! convert's config: -c or $AESYNC_CONFIG only (logged when used), else the built-in defaults.
//! `given` tells which.
Config load_convert_config(const std::string& config_flag, bool& given);

//! Logs a warning when `output`'s name says another format than `format` (.csv, .csv.gz, .parquet).
void warn_if_name_disagrees(OutputFormat format, const std::string& output);

}  // namespace aesync::cli
