// The rollup writer: a TableWriter that aggregates rows per time bucket and group before they
// reach the table's real writer (Parquet, CSV). schema/table_shape.h defines the columns.
//
// Input: batches laid out as shape.input_schema(): the row's timestamp (ms), the by columns,
// the value columns, then `weight` (_sample_interval, int64). Output: to `out`, batches of at
// most kMaxOutputRows rows laid out as shape.output_schema(), one row per bucket and group.
//
// Streaming: window sources deliver rows in time order, so one bucket is open at a time. A row
// of a later bucket writes the open bucket out and opens its own; memory is bounded by the
// groups of one bucket (plus the late rows below). Within a bucket, groups are written in order
// of their by values (first by column first; NULL first, strings by bytes, numbers ascending),
// so the same rows always give the same bytes.
//
// Late rows: a row of a bucket earlier than the open one (a file not in time order) is neither
// dropped nor an error. Such rows are aggregated apart, per (bucket, group), and written at
// close(), after the last bucket, ordered by bucket then group; a (bucket, group) then has more
// than one row, which still combine (sum samples, weight and sums, min of mins, max of maxes).
// late_rows() counts them so that the caller can warn. Their memory is not bounded by a bucket.
//
// Aggregates, as table_shape.h states: a NULL by value is a group of its own; a value's
// aggregates skip the rows where it is NULL and are NULL when it is NULL on every row of the
// group. min/max keep the value's type; sum is a plain double `+=` in input order (int64 values
// converted to double); avg = sum(v * w) / sum(w) over the rows where v is not NULL, the
// numerator a double `+=` in input order, the denominator an int64 sum converted once. When
// that sum(w) is 0 (a file whose _sample_interval is 0; AE's is at least 1) avg is NULL if the
// column is nullable, else the IEEE quotient (NaN or an infinity, as SQL's float division).
// NaN: min and max ignore it (they are NaN only when every value of the group is NaN); sum and
// avg include it, as IEEE addition does. Double by values: -0.0 groups with 0.0 (written 0.0)
// and every NaN is one group, written after the numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "schema/row_batch.h"
#include "schema/table_shape.h"
#include "schema/table_writer.h"

namespace aesync {

class RollupWriter final : public TableWriter {
 public:
  //! Rows per batch written to `out`.
  static constexpr size_t kMaxOutputRows = 8192;

  //! `shape` must have a rollup (std::invalid_argument otherwise); it is copied.
  RollupWriter(const TableShape& shape, std::unique_ptr<TableWriter> out);
  //! Aggregates `batch` (laid out as shape.input_schema()); may write closed buckets to `out`.
  void write(const RowBatch& batch) override;
  //! Writes the open bucket, then the late rows' groups, then closes `out`.
  void close() override;
  //! Rows that arrived after a later bucket had been opened (see above).
  uint64_t late_rows() const { return late_rows_; }

 private:
  // The aggregates of one value column in one group.
  // (A bucket can hold many groups: the state is kept small, min and max sharing their room
  // between the two value types.)
  struct ValueState {
    int64_t count = 0;        // rows where the value is not NULL
    int64_t weight = 0;       // sum(w) over those rows
    double sum = 0;           // sum(v)
    double weighted_sum = 0;  // sum(v * w)
    union {
      double dmin = 0;  // double values
      int64_t imin;     // int64 values
    };
    union {
      double dmax = 0;
      int64_t imax;
    };
  };

  // Groups keyed by an order-preserving encoding of (bucket, by values): comparing two keys as
  // bytes orders them by bucket, then by values as written above.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Groups {
    std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> index;  // key -> group
    std::vector<int64_t> samples, weight;
    std::vector<ValueState> values;  // values.size() = groups * value columns
    size_t size() const { return samples.size(); }
    void clear();
  };

  // key_ := the encoding of `bucket` and row `row`'s by values.
  void encode_key(int64_t bucket, const RowBatch& batch, size_t row);
  void add(Groups& groups, const RowBatch& batch, size_t row);
  // Writes every group of `groups` (sorted by key) to out_, then clears it.
  void flush(Groups& groups);
  void write_out();

  TableShape shape_;
  Schema input_;
  std::unique_ptr<TableWriter> out_;
  size_t by_count_ = 0, value_count_ = 0;
  std::vector<ColumnType> by_types_, value_types_;
  int64_t bucket_ms_ = 0;

  Groups open_;  // the open bucket
  bool has_open_ = false;
  int64_t open_bucket_ = 0;  // its start, ms
  Groups late_;              // rows of buckets before the open one
  uint64_t late_rows_ = 0;
  std::string key_;  // reused for every row
  RowBatch batch_;   // the output batch being filled
  bool closed_ = false;
};

}  // namespace aesync
