// `aesync status [--json]`: every table's partitions in the destination, from their manifests:
// day, rows, bytes, exported at, verified, and whether the day has an old schema (its manifest's
// fingerprint is not the table's: sync/schema_drift.h), with, per table, how many days do, what
// changed and the command that re-exports them (docs/commands.md, docs/data-layout.md). A day
// whose manifest is missing or unreadable is listed with the reason.
//
// A config with one table prints that table as before tables existed (no table header); with
// several, one block per table, in config order, each headed `table <name>`. `--json` prints
// one array of every table's days, each naming its table.
#pragma once

#include <ostream>

#include "config/config.h"
#include "storage/object_store.h"

namespace aesync::cli {

int run_status(const Config& config, ObjectStore& store, bool json, std::ostream& out);

}  // namespace aesync::cli
