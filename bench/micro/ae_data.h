// Shared inputs of the micro-benchmarks: realistic machine_metrics rows as the AE SQL API sends
// them, generated in-process and deterministically (a fixed-seed std::mt19937_64; no files).
//
// The shape follows scripts/gen-ae-sample.mjs (the data `make bench` converts end to end): a
// fleet of 5000 machines over 200 orgs (~6 projects each, 5 machine types); rows in timestamp
// order at ~23 rows per second (2M rows a day); kinds resource 70%, process 25% (a process name,
// 20% empty), startup 5%; one JSON object per line, keys alphabetical. Every larger data set
// extends the smaller ones (the same sequence), so figures at 65536 and 262144 rows compare.
//
// Everything downstream of the JSON text is made by the production code through its public
// API (JsonEachRowReader, Mapper, RowBatch), so the benchmarks measure each stage on exactly
// what the stage before it hands over, and keep working when internals change. Results are
// cached per row count: setup runs once per process, outside any timed region.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "schema/mapper.h"
#include "schema/raw_row.h"
#include "schema/row_batch.h"
#include "schema/schema.h"

namespace aesync::bench {

//! Rows per batch in most benchmarks: well inside the partition writer's 24 MiB batch budget.
constexpr size_t kBatchRows = 65536;
//! output.row_group_rows' default: the largest row group production writes.
constexpr size_t kRowGroupRows = 262144;
//! The chunk sizes input arrives in: file reads (file_input.cpp) and HTTP bodies (curl).
constexpr size_t kFileChunkBytes = 1 << 20;
constexpr size_t kHttpChunkBytes = 16 << 10;

//! The JSONEachRow text of the first `rows` rows (each line ends with '\n').
const std::string& ae_json(size_t rows);

//! The built-in mapping (docs/configuration.md) and its mapper (what `convert` and the sync use by default).
const Schema& builtin_schema();
const Mapper& builtin_mapper();

//! Raw rows as JsonEachRowReader hands them to the mapper (mapper.raw_columns() order), with
//! their strings copied to storage that lives as long as the object.
class RawRows {
 public:
  size_t size() const { return lines_.size(); }
  RawRow row(size_t i) const { return RawRow{values_.data() + i * width_, width_, lines_[i]}; }

 private:
  friend const RawRows& ae_raw_rows(size_t rows);
  size_t width_ = 0;
  std::vector<RawValue> values_;
  std::vector<uint64_t> lines_;
  std::string strings_;
};

//! The first `rows` rows, read by the production reader with the built-in mapper's columns.
const RawRows& ae_raw_rows(size_t rows);

//! The first `rows` rows mapped into one RowBatch of the built-in schema.
const RowBatch& ae_batch(size_t rows);

//! Index of the built-in schema's column `name`, or -1 (a benchmark then skips with an error).
int builtin_column(std::string_view name);

//! Bytes a column's values occupy in a batch: string bytes, or 8 per numeric value.
size_t column_value_bytes(const ColumnBuffer& c, size_t rows);

}  // namespace aesync::bench
