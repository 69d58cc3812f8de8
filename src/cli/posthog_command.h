// `aesync posthog print` and `aesync posthog link [--dry-run]` (docs/posthog.md), and the `check` step for
// PostHog: option handling and printing only; the API client and the warehouse logic are the
// posthog stage's (src/posthog/).
#pragma once

#include <ostream>
#include <string>

#include "config/config.h"

namespace aesync::cli {

//! The PostHog source settings for this config (URL pattern, format, table name) and UI steps.
int run_posthog_print(const Config& config, std::ostream& out);
//! Creates, or finds and updates, the warehouse table; refreshes its schema; with
//! join_events_on, creates the saved join. --dry-run prints the requests with secrets masked.
int run_posthog_link(const Config& config, bool dry_run, std::ostream& out);
//! The `check` step: the API answers with this key; says whether the table is linked yet.
//! Throws with PostHog's words on failure.
std::string check_posthog(const Config& config);

}  // namespace aesync::cli
