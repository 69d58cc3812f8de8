// The column mapping: which named, typed output columns are made from which raw AE columns.
//
// AE rows carry anonymous raw columns (`timestamp`, `_sample_interval`, `dataset`, `index1`,
// `blob1..20`, `double1..20`). A Schema lists the output columns in file order; each names its
// raw source, its type, and optionally a `when` condition (value only where another raw string
// column equals a literal, else NULL) or `empty_as_null` for strings. A column is nullable
// exactly when it has one of those two. The built-in mapping is the machine_metrics table of docs/configuration.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aesync {

//! The type of an output column, as written to Parquet/CSV.
enum class ColumnType { String, Double, Int64, Timestamp };

std::string_view to_string(ColumnType t);

//! A raw AE column. Its value kind is fixed by what it is: timestamp -> milliseconds since the
//! epoch (UTC), _sample_interval -> int64, doubleN -> double, dataset/index1/blobN -> string.
struct RawColumn {
  enum class Kind : uint8_t { Timestamp, SampleInterval, Dataset, Index, Blob, Double };
  Kind kind = Kind::Timestamp;
  uint8_t number = 0;  //!< N of indexN/blobN/doubleN (1-based); 0 otherwise

  //! The AE column name: "timestamp", "_sample_interval", "dataset", "index1", "blob3"...
  std::string name() const;
  //! Parses an AE column name; std::nullopt when it is not one (blob1..20, double1..20, index1).
  static std::optional<RawColumn> parse(std::string_view name);
  bool is_string() const { return kind == Kind::Dataset || kind == Kind::Index || kind == Kind::Blob; }
  friend bool operator==(const RawColumn&, const RawColumn&) = default;
};

//! `when = { <raw> = "<value>" }`: the column holds its value only where raw == value.
struct WhenCondition {
  RawColumn raw;  //!< always a string raw column
  std::string equals;
};

struct ColumnSpec {
  std::string name;  //!< [a-z_][a-z0-9_]*, unique within the schema
  RawColumn from;
  ColumnType type = ColumnType::String;
  std::optional<WhenCondition> when;
  bool empty_as_null = false;  //!< strings only: "" becomes NULL
  //! Nullable for a reason outside the mapping rules: a rollup's aggregate of a nullable value,
  //! or a column read back from a manifest (which records nullability, not its rule).
  bool declared_nullable = false;

  bool nullable() const { return when.has_value() || empty_as_null || declared_nullable; }
};

struct Schema {
  std::vector<ColumnSpec> columns;

  //! The built-in machine_metrics mapping (docs/configuration.md).
  static Schema builtin_machine_metrics();

  //! The raw columns a row must provide to fill this schema (sources, `when`), in a stable
  //! order, without duplicates. `timestamp` is always first: rows are routed to days by it.
  std::vector<RawColumn> raw_columns() const;
};

//! Whether `type` can be made from `raw`: string <- dataset/index1/blobN;
//! double <- doubleN/_sample_interval; int64 <- _sample_interval/doubleN (integral values only);
//! timestamp <- timestamp.
bool can_map(RawColumn raw, ColumnType type);

}  // namespace aesync
