// `aesync posthog print [--table NAME]` and `aesync posthog link [--dry-run] [--table NAME]`
// (docs/posthog.md), and the `check` step for PostHog: option handling and printing only; the API
// client and the warehouse logic are the posthog stage's (src/posthog/). Both commands act on
// every table of the config in config order, or on the one --table names; a config with one
// table prints what it printed before tables existed.
#pragma once

#include <ostream>
#include <string>

#include "config/config.h"

namespace aesync::cli {

//! The PostHog source settings of each table (URL pattern, format, table name) and the UI steps.
//! `table`: the one table to print, "" for all (UsageError when the config has no such table).
int run_posthog_print(const Config& config, const std::string& table, std::ostream& out);
//! For each table (or the one named `table`): creates, or finds and updates, the warehouse
//! table; refreshes its schema (an older PostHog that cannot is a warning saying what to do
//! instead); with its join_events_on, creates the saved join. The first error stops it (tables
//! linked before stay linked; linking again is safe). --dry-run prints the requests with
//! secrets masked.
int run_posthog_link(const Config& config, const std::string& table, bool dry_run, std::ostream& out);
//! The `check` step: the API answers with this key; says which tables are linked yet.
//! Throws with PostHog's words on failure.
std::string check_posthog(const Config& config);

}  // namespace aesync::cli
