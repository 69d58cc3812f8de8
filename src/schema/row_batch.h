// A batch of rows in columnar form: what the mapper produces and the writers (Parquet, CSV)
// consume. One ColumnBuffer per schema column, all of the same length.
//
// Values are dense: a NULL still occupies a slot (0 or "") so every buffer indexes by row;
// `defined[i]` says whether row i has a value (only kept for nullable columns). Buffers are
// reused between batches (clear() keeps capacity), so filling a batch allocates nothing once
// it has reached its working size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "schema/schema.h"

namespace aesync {

struct ColumnBuffer {
  ColumnType type = ColumnType::String;
  bool nullable = false;

  std::vector<uint8_t> defined;   //!< nullable only: 1 = value, 0 = NULL
  std::vector<int64_t> ints;      //!< Int64, Timestamp (ms since epoch, UTC)
  std::vector<double> doubles;    //!< Double
  std::string bytes;              //!< String: all values concatenated
  std::vector<uint32_t> offsets;  //!< String: value i = bytes[offsets[i], offsets[i+1]); starts {0}

  ColumnBuffer() { offsets.push_back(0); }
  ColumnBuffer(ColumnType t, bool is_nullable) : type(t), nullable(is_nullable) { offsets.push_back(0); }

  size_t size() const;
  bool is_null(size_t i) const { return nullable && !defined[i]; }
  std::string_view string_at(size_t i) const {
    return std::string_view(bytes).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }

  void append_string(std::string_view v) {
    bytes.append(v);
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
    if (nullable) defined.push_back(1);
  }
  void append_double(double v) {
    doubles.push_back(v);
    if (nullable) defined.push_back(1);
  }
  void append_int(int64_t v) {
    ints.push_back(v);
    if (nullable) defined.push_back(1);
  }
  void append_null();
  void clear();
};

struct RowBatch {
  std::vector<ColumnBuffer> columns;
  size_t rows = 0;

  RowBatch() = default;
  explicit RowBatch(const Schema& schema);
  void clear();
};

}  // namespace aesync
