// `aesync check`: validates the config and tests each endpoint, one line per check
// ("ok", "FAIL" or "skip", the check's name, what was done or what went wrong). The destination
// check writes a probe object under `<prefix>/_aesync_check/`, reads it back, compares and
// deletes it. Returns the exit code: 1 if any check failed.
#pragma once

#include <ostream>

#include "config/config.h"

namespace aesync::cli {

int run_check(const Config& config, std::ostream& out);

}  // namespace aesync::cli
