// A raw row: the values of the requested raw AE columns of one input line. Sources produce
// them (JSONEachRow reader), the mapper consumes them; neither knows the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aesync {

//! One raw value. Which member is meaningful follows from the raw column's kind.
struct RawValue {
  int64_t i = 0;       //!< Timestamp (ms since epoch) and SampleInterval
  double d = 0;        //!< DoubleN
  std::string_view s;  //!< Dataset, IndexN, BlobN: valid only during the on_row call
};

//! The requested raw columns of one input line, in the order they were requested.
struct RawRow {
  const RawValue* values = nullptr;
  size_t size = 0;
  uint64_t line = 0;  //!< 1-based line number in the input
  const RawValue& operator[](size_t i) const { return values[i]; }
};

class RowConsumer {
 public:
  virtual ~RowConsumer() = default;
  //! Called once per row, in input order. May throw (e.g. InputError) to stop reading.
  virtual void on_row(const RawRow& row) = 0;
};

}  // namespace aesync
