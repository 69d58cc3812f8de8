// Column chunk statistics (min/max/null_count/nan_count), computed the way readers expect.
//
// Rules (parquet.thrift, ColumnOrder TYPE_ORDER; docs/parquet.md):
// - null_count is exact and always present (0 included);
// - min/max are PLAIN-encoded (strings without the length prefix) and both present or both
//   absent: absent when the chunk has no non-null value, or (doubles) only NaNs, or (strings)
//   when either bound is longer than `max_bytes` (a truncated bound would need care a reader
//   may not take);
// - doubles: NaN never enters min/max and is counted in nan_count; a zero min is written as
//   -0.0 and a zero max as +0.0, so a reader never excludes a zero of the other sign;
// - strings: unsigned byte-wise order ("\xff" > "a"), which is what std::memcmp gives;
// - the deprecated `min`/`max` fields are also written for signed-order types (INT64, DOUBLE,
//   timestamps) for old readers, never for strings (their legacy order was signed bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aesync::parquet {

struct ChunkStatistics {
  int64_t null_count = 0;
  std::optional<int64_t> nan_count;                 //!< DOUBLE columns only
  std::optional<std::string> min_value, max_value;  //!< PLAIN-encoded, both or neither
  bool legacy_min_max = false;                      //!< also write deprecated min/max
};

//! Statistics from bounds accumulated elsewhere (`any`: a non-null, for doubles non-NaN, value
//! was seen and [lo, hi] holds them all); the same rules as below.
ChunkStatistics int64_bounds(int64_t null_count, bool any, int64_t lo, int64_t hi);
ChunkStatistics double_bounds(int64_t null_count, int64_t nan_count, bool any, double lo, double hi);

//! `defined` is null for a REQUIRED column, else 1 = value / 0 = NULL per row.
ChunkStatistics int64_statistics(const int64_t* values, const uint8_t* defined, size_t n);
ChunkStatistics double_statistics(const double* values, const uint8_t* defined, size_t n);

//! Unsigned byte-wise "less than": the order of BYTE_ARRAY / UTF8 statistics.
bool bytes_less(std::string_view a, std::string_view b);

//! Accumulates the min and max of strings without copying them: the views must stay valid
//! until finish().
class StringMinMax {
 public:
  void add(std::string_view v) {
    if (!any_) {
      min_ = max_ = v;
      any_ = true;
      return;
    }
    if (bytes_less(v, min_)) min_ = v;
    if (bytes_less(max_, v)) max_ = v;
  }
  bool any() const { return any_; }
  std::string_view min() const { return min_; }
  std::string_view max() const { return max_; }
  //! Statistics of a BYTE_ARRAY chunk with `null_count` NULLs; min/max omitted past `max_bytes`.
  ChunkStatistics finish(int64_t null_count, size_t max_bytes) const;

 private:
  std::string_view min_, max_;
  bool any_ = false;
};

}  // namespace aesync::parquet
