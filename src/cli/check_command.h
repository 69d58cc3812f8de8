// `aesync check`: validates the config and tests each endpoint, one line per check
// ("ok", "FAIL" or "skip", the check's name, what was done or what went wrong). The destination
// check writes a probe object under `<prefix>/_aesync_check/`, reads it back, compares and
// deletes it. Then, for each table, its days' manifests are compared with its config
// (sync/schema_drift.h): a table with days that PostHog cannot read together with the new ones
// gets a `warn  schema` line naming them and the command that re-exports them (a warning: the
// exit code does not change). Returns the exit code: 1 if any check failed. `--offline` does
// the config and local checks only (run_check_offline).
//
// A person waits for the answer: each endpoint is tried once, connecting within 5 s
// (net::FailFastScope), so that an unreachable host is reported at once ("failed after 1
// attempt: ... Could not resolve host ..."). `--json` prints the same checks as one JSON object:
// {"checks": [{"status": "ok|FAIL|skip|warn", "name", "detail"}...], "failed": bool}.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "config/config.h"
#include "storage/object_store.h"
#include "util/error.h"

namespace aesync::cli {

//! One line per table whose days have a schema PostHog cannot read together with the current
//! one (SchemaDrift::warning), or whose manifests cannot be listed; in config order.
std::vector<std::string> schema_warnings(const Config& config, ObjectStore& store);

struct CheckOptions {
  bool json = false;     //!< one JSON object instead of lines
  bool offline = false;  //!< the config and local checks only (run_check_offline)
};

int run_check(const Config& config, std::ostream& out, const CheckOptions& options = {});

//! What `check` prints when the config itself cannot be loaded (a FAIL config line per error it
//! holds, or the JSON object with those checks); returns the error's exit code.
int report_config_failure(const ConfigError& error, std::ostream& out, const CheckOptions& options);

//! `check --offline`: the config was loaded whole (every section expanded and checked, every
//! `${VAR}` set, every `_file` read); one line per section saying what it names, without any
//! network. A file source's input must be readable. Returns 1 if any check failed.
int run_check_offline(const Config& config, std::ostream& out, const CheckOptions& options = {});

}  // namespace aesync::cli
