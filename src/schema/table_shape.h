// A table's shape: which rows of a dataset it takes (`where`), the columns it maps them to (its
// Schema), and whether it writes them as they are or rolled up per time bucket and group
// (docs/configuration.md, "Tables").
//
// A rollup (`rollup = { every, by, values }`) writes one row per bucket and group:
//   <timestamp column>   the bucket's start (timestamp; named as the mapping's timestamp column,
//                        "timestamp" when the mapping has none)
//   <by columns>         as mapped (a NULL is a group of its own, as in SQL's GROUP BY)
//   samples              int64: rows in the group
//   weight               int64: sum(_sample_interval) of those rows
//   <v>_min, <v>_max     the value column's type: over the rows where v is not NULL
//   <v>_sum, <v>_avg     double: sum(v); the weighted mean sum(v * w) / sum(w) over the rows
//                        where v is not NULL (w = _sample_interval)
// The four aggregates of a value are NULL for a group whose v is NULL on every row; they are
// nullable exactly when v is.
//
// The fingerprint names a table's schema in the manifests: the first 16 hex digits of the
// SHA-256 of a canonical text of the mapping's columns (name, type, raw source, nullable), the
// `where` conditions and the rollup. A manifest written before fingerprints existed is read as
// a table without `where` or rollup whose mapping is the columns it lists, so an unchanged
// mapping keeps its days current.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/schema.h"

namespace aesync {

struct RollupSpec {
  int64_t every_seconds = 3600;     //!< divides a day: buckets never straddle a partition
  std::vector<std::string> by;      //!< mapping column names (not timestamps)
  std::vector<std::string> values;  //!< mapping column names of type double or int64
  friend bool operator==(const RollupSpec&, const RollupSpec&) = default;
};

//! One column as a manifest records it: enough to compare schemas and compute fingerprints.
struct ColumnSignature {
  std::string name;
  ColumnType type = ColumnType::String;
  RawColumn from;
  bool nullable = false;
  friend bool operator==(const ColumnSignature&, const ColumnSignature&) = default;
};

std::vector<ColumnSignature> signatures(const std::vector<ColumnSpec>& columns);

//! The fingerprint of a table defined by `mapping`, `where` and `rollup` (see above).
std::string schema_fingerprint(const std::vector<ColumnSignature>& mapping, const std::vector<WhenCondition>& where,
                               const std::optional<RollupSpec>& rollup);

struct TableShape {
  Schema mapping;                    //!< the table's [[columns]] (or the built-in mapping)
  std::vector<WhenCondition> where;  //!< every condition must hold for a row to be taken
  std::optional<RollupSpec> rollup;

  //! The columns the mapper fills for this table: the mapping; for a rollup, the bucket's
  //! timestamp, the by columns, the value columns, then `_sample_interval` as int64 (the weight).
  Schema input_schema() const;
  //! The columns of the table's files: the mapping, or the rollup's columns (see above).
  Schema output_schema() const;
  //! Every raw column the table reads: its input schema's, then its `where` columns.
  std::vector<RawColumn> raw_columns() const;
  std::string fingerprint() const;
  //! The mapping's column named `name`, or null.
  const ColumnSpec* column(std::string_view name) const;
};

}  // namespace aesync
