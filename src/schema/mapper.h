// The mapper: raw rows in, named typed columns out (one RowBatch row per RawRow).
//
// It resolves, once, where each output column's source and `when` raw column sit in the raw row
// (Schema::raw_columns() order), so appending a row is a fixed loop over plain values: no
// lookups, no allocation beyond the batch's own buffers. Conversions: doubleN/_sample_interval
// to double; _sample_interval or an integral doubleN to int64 (a fractional or out-of-range
// value is an InputError naming the line and column); strings pass through, and become NULL
// where `empty_as_null` and empty; a `when` column is NULL where its raw column differs.
#pragma once

#include <vector>

#include "schema/raw_row.h"
#include "schema/row_batch.h"
#include "schema/schema.h"

namespace aesync {

class Mapper {
 public:
  explicit Mapper(const Schema& schema);
  //! Reads rows laid out as `layout` (which holds every one of schema.raw_columns()): one read
  //! serves several tables, each mapping its own columns out of the same rows.
  Mapper(const Schema& schema, std::vector<RawColumn> layout);

  //! The raw columns every RawRow given to append() must hold, in this order.
  const std::vector<RawColumn>& raw_columns() const { return raw_; }

  //! Appends one row to `batch` (laid out as the schema). Throws InputError.
  void append(const RawRow& row, RowBatch& batch) const;

 private:
  struct Plan {
    uint16_t source;    // index of the source raw column in RawRow
    int16_t when = -1;  // index of the `when` raw column, -1 if none
    RawColumn::Kind source_kind;
    ColumnType type;
    bool empty_as_null;
  };
  const Schema& schema_;
  std::vector<RawColumn> raw_;
  std::vector<Plan> plan_;
};

}  // namespace aesync
