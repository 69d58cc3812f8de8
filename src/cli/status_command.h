// `aesync status [--json]`: every table's partitions in the destination, from their manifests:
// day, rows, bytes, exported at, verified, and whether the day has an old schema (its manifest's
// fingerprint is not the table's: sync/schema_drift.h), with, per table, how many days do, what
// changed and the command that re-exports them (docs/commands.md, docs/data-layout.md). A day
// whose manifest is missing or unreadable is listed with the reason.
//
// A config with one table prints that table as before tables existed (no table header); with
// several, one block per table, in config order, each headed `table <name>`. `--json` prints
// one array of every table's days, each naming its table.
//
// The text form ends each table with a bar chart of rows per day (every day from its first to
// its last partition, so that a day never exported shows as a gap): `#` bars on plain text, a
// coloured block bar only when `terminal` (stdout is a TTY). When the destination holds no
// partition at all (every table's prefix empty: a mistyped bucket, path or prefix looks just
// like this), a warning names each place looked at and its prefix.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "storage/object_store.h"

namespace aesync::cli {

//! `terminal`: colours in the chart. `warnings`: where the warning goes (nullptr: log::warn, on
//! stderr, so that `--json` output stays one JSON document).
int run_status(const Config& config, ObjectStore& store, bool json, std::ostream& out, bool terminal = false,
               std::vector<std::string>* warnings = nullptr);

//! The rows-per-day chart of `days` (day, rows; in day order; nullopt rows = a day without a
//! readable manifest): a header line, then one line per day from the first to the last (indented
//! by two spaces: only the table's lines start with a day), the longest bar `width` characters;
//! "" without days.
std::string rows_per_day_chart(const std::vector<std::pair<int64_t, std::optional<uint64_t>>>& days, bool terminal,
                               int width = 50);

}  // namespace aesync::cli
