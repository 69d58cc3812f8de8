// The column chunk writer of 8-byte values: DOUBLE (T = double, Double columns) and INT64
// (T = int64_t, Int64 and Timestamp columns); see column_chunk_writer.h. Both share the PLAIN
// layout (8 little-endian bytes per value) and a dictionary of bit patterns (ValueDictionary:
// -0.0 and 0.0, and NaN payloads, stay distinct).
//
// Dictionary or PLAIN follows a plan carried from one row group to the next: a trial encodes
// both ways (while the values look repetitive: given up when nearly all of the chunk's first
// 4096 values are distinct, or when the dictionary would pass `dictionary_limit_bytes`) and
// writes the smaller (sorted timestamps squeeze better PLAIN, percentages as a dictionary); the
// row groups after it use the winner alone, and every kRetrialEvery-th row group, or after a
// dictionary overflowed, is a trial again in case the data changed.
// Statistics: min/max of the non-null values (doubles: NaN excluded and counted, zero bounds
// signed as statistics.h says), exact null_count.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "parquet/column_chunk_writer.h"
#include "parquet/value_dictionary.h"

namespace aesync::parquet {

template <class T>
class FixedWidthChunkWriter final : public ColumnChunkWriter {
  static_assert((std::is_same_v<T, double> || std::is_same_v<T, int64_t>)&&sizeof(T) == 8);

 public:
  FixedWidthChunkWriter(const LeafColumn& column, const WriterOptions& options) : ColumnChunkWriter(column, options) {}

  void encode(const ColumnBuffer& values, size_t begin, size_t end, PageScratch& s) override;
  ColumnChunkMeta write(FileOutput& out, PageScratch& s) override;

  //! The column re-checks its choice between dictionary and PLAIN every this many row groups.
  static constexpr int kRetrialEvery = 8;

 private:
  enum class Plan { Trial, Dictionary, Plain };

  //! The column's values in `values` (doubles or ints, as T).
  static const T* data_of(const ColumnBuffer& values);
  size_t plain_page_end(const ColumnBuffer& values, size_t begin, size_t end) const override;
  void append_plain(const ColumnBuffer& values, const uint8_t* defined, size_t begin, size_t end, size_t present,
                    std::string& body) const override;
  void add_statistics(const T* v, const uint8_t* defined, size_t begin, size_t end);

  Plan plan_ = Plan::Trial;
  int row_groups_since_trial_ = 0;
  ValueDictionary values_;
  int64_t seen_ = 0;  // values offered to the dictionary
  // Statistics: bounds of the non-null (non-NaN) values.
  int64_t nans_ = 0;
  bool any_ = false;
  T lo_ = 0, hi_ = 0;
};

extern template class FixedWidthChunkWriter<double>;
extern template class FixedWidthChunkWriter<int64_t>;

}  // namespace aesync::parquet
