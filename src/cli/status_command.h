// `aesync status [--json]`: the partitions found in the destination, from their manifests:
// day, rows, bytes, exported at, verified (docs/commands.md, docs/data-layout.md). A day whose manifest is missing or
// unreadable is listed with the reason.
#pragma once

#include <ostream>

#include "config/config.h"
#include "storage/object_store.h"

namespace aesync::cli {

int run_status(const Config& config, ObjectStore& store, bool json, std::ostream& out);

}  // namespace aesync::cli
