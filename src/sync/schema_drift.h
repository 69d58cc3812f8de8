// Schema drift: how the days a table holds differ from what its config writes now (docs/data-layout.md,
// "Old schemas"). The one place that compares a table's config with its days' manifests: `sync`, `status` and
// `check` all ask here.
//
// A day has an old schema when its manifest's fingerprint differs from the table's
// (schema/table_shape.h). Whether PostHog can read such a day together with the new ones is a
// question of columns: its manifest's columns (the file's) are compared with the table's output
// schema by name, type and nullability. Only a nullable column added keeps old and new days
// readable together (PostHog, through ClickHouse's s3(), reads the missing column as NULL);
// anything else (a column removed, retyped, its nullability changed, a required column added)
// is "breaking": the old days must be re-exported, which `aesync sync --from <oldest> --to
// <newest>` does (a backfill re-exports every day whose fingerprint differs, verified or not,
// and skips the others). A column whose raw source changed is reported but does not break
// reading. Days without a readable manifest are not counted: they are exported again anyway.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "sync/partition_index.h"

namespace aesync {

//! One difference between a day's columns and the table's.
struct SchemaChange {
  //! "column cpu removed", "column load is int64, was double", "column host is nullable, was
  //! required", "column y added as required (old days read it as 0)", "column z added as nullable
  //! (old days read it as NULL)", "column host reads blob5, was blob4".
  std::string text;
  bool breaking = false;  //!< PostHog cannot read the old days together with the new ones
  friend bool operator==(const SchemaChange&, const SchemaChange&) = default;
};

//! How `old_columns` (a day's file) differ from `current` (the table's output schema): the
//! current columns in order (added, retyped, nullability, raw source), then the removed ones in
//! their old order. Columns are matched by name; their order does not matter (Parquet is read by
//! name).
std::vector<SchemaChange> schema_changes(const Schema& current, const std::vector<ColumnSpec>& old_columns);

//! The fingerprint a manifest records; for one that records "" (written between the manifest's
//! field and the code filling it), that of its columns as a plain table's mapping, as for a
//! manifest without the field (partition_index.h).
std::string manifest_fingerprint(const Manifest& m);

struct SchemaDrift {
  std::string fingerprint;                    //!< the table's, from its config
  std::vector<int64_t> old_days;              //!< days whose manifest fingerprint != the table's
  std::vector<std::string> old_fingerprints;  //!< theirs, each once, in the order of their first day
  //! What PostHog cannot read together with the new days: "column cpu removed",
  //! "column x is int64, was double", "column y added as required (old days read it as 0)",
  //! nullability changes; each once over all old days; empty when every difference is a nullable
  //! column added (PostHog reads old days with NULL there) or a raw source changed.
  std::vector<std::string> breaking;
  //! The other differences ("column z added as nullable (old days read it as NULL)", "column host
  //! reads blob5, was blob4"), each once. Both lists are empty when only `where` or the rollup's
  //! parameters changed.
  std::vector<std::string> compatible;

  bool is_old(int64_t day) const;
  //! "aesync sync --from <oldest old day> --to <newest old day>"; "" without old days.
  std::string reexport_command() const;
  //! "" when nothing breaks; else one line naming the table, the count and range of old days,
  //! the breaking changes, and the command (reexport_command()).
  std::string warning(const TableConfig& table) const;
};

SchemaDrift find_schema_drift(const TableConfig& table, const std::vector<PartitionEntry>& partitions);

}  // namespace aesync
