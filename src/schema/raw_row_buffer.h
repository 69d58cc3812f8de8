// Raw rows kept in memory, once, whatever number of tables they feed: a window's rows held
// until its counts are checked (sync/window_sync.cpp), then replayed to every table.
//
// Columnar, one buffer per raw column of the layout (8 bytes per number, the bytes plus 4 per
// string), plus the input line of each row; clear() keeps the capacity, so holding one window
// after another allocates nothing once the largest has been held. replay() hands each row to a
// consumer as a RawRow whose strings point into this buffer (valid during the call).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "schema/raw_row.h"
#include "schema/schema.h"

namespace aesync {

class RawRowBuffer {
 public:
  explicit RawRowBuffer(std::vector<RawColumn> layout);

  const std::vector<RawColumn>& layout() const { return layout_; }
  //! Copies `row` (laid out as layout()). Throws std::length_error past 4 GiB of one column's strings.
  void append(const RawRow& row);
  //! Makes room for `rows` rows at once (a window's count from the day's histogram), so that
  //! holding it does not grow the buffers by doubling (up to twice the rows' size); strings are
  //! sized from the bytes per row seen so far.
  void reserve(size_t rows);
  //! Hands every row to `consumer`, in the order appended.
  void replay(RowConsumer& consumer) const;
  void clear();
  size_t rows() const { return lines_.size(); }
  //! Bytes the rows occupy (capacity not counted).
  size_t bytes() const;

 private:
  struct Column {
    bool is_string = false;
    bool is_double = false;
    std::vector<int64_t> ints;
    std::vector<double> doubles;
    std::string text;
    std::vector<uint32_t> ends;  // value i = text[ends[i-1] (or 0), ends[i])
    uint64_t bytes_seen = 0;     // string bytes appended since construction, for reserve()
  };
  std::vector<RawColumn> layout_;
  std::vector<Column> columns_;
  std::vector<uint64_t> lines_;
  uint64_t rows_seen_ = 0;  // rows appended since construction (clear() included), for reserve()
};

}  // namespace aesync
