#include "schema/raw_row_buffer.h"

#include <limits>
#include <stdexcept>

namespace aesync {

RawRowBuffer::RawRowBuffer(std::vector<RawColumn> layout) : layout_(std::move(layout)), columns_(layout_.size()) {
  for (size_t i = 0; i < layout_.size(); ++i) {
    columns_[i].is_string = layout_[i].is_string();
    columns_[i].is_double = layout_[i].kind == RawColumn::Kind::Double;
  }
}

void RawRowBuffer::append(const RawRow& row) {
  for (size_t i = 0; i < columns_.size(); ++i) {
    Column& c = columns_[i];
    const RawValue& v = row[i];
    if (c.is_string) {
      if (c.text.size() + v.s.size() > std::numeric_limits<uint32_t>::max())
        throw std::length_error("a held window's " + layout_[i].name() + " values exceed 4 GiB");
      c.text.append(v.s);
      c.bytes_seen += v.s.size();
      c.ends.push_back(static_cast<uint32_t>(c.text.size()));
    } else if (c.is_double) {
      c.doubles.push_back(v.d);
    } else {
      c.ints.push_back(v.i);
    }
  }
  lines_.push_back(row.line);
  ++rows_seen_;
}

void RawRowBuffer::reserve(size_t rows) {
  const size_t want = lines_.size() + rows;
  lines_.reserve(want);
  for (Column& c : columns_) {
    if (c.is_string) {
      c.ends.reserve(want);
      // The average so far, an eighth more for variation (before any row: 16 bytes a value).
      const uint64_t per_row = rows_seen_ > 0 ? (c.bytes_seen / rows_seen_ + 1) * 9 / 8 : 16;
      c.text.reserve(c.text.size() + rows * per_row);
    } else if (c.is_double) {
      c.doubles.reserve(want);
    } else {
      c.ints.reserve(want);
    }
  }
}

void RawRowBuffer::replay(RowConsumer& consumer) const {
  std::vector<RawValue> values(columns_.size());
  RawRow row{values.data(), values.size(), 0};
  for (size_t r = 0; r < lines_.size(); ++r) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      const Column& c = columns_[i];
      if (c.is_string) {
        const uint32_t begin = r == 0 ? 0 : c.ends[r - 1];
        values[i].s = std::string_view(c.text).substr(begin, c.ends[r] - begin);
      } else if (c.is_double) {
        values[i].d = c.doubles[r];
      } else {
        values[i].i = c.ints[r];
      }
    }
    row.line = lines_[r];
    consumer.on_row(row);
  }
}

void RawRowBuffer::clear() {
  for (Column& c : columns_) {
    c.ints.clear();
    c.doubles.clear();
    c.text.clear();
    c.ends.clear();
  }
  lines_.clear();
}

size_t RawRowBuffer::bytes() const {
  size_t n = lines_.size() * sizeof(uint64_t);
  for (const Column& c : columns_)
    n += c.ints.size() * 8 + c.doubles.size() * 8 + c.text.size() + c.ends.size() * sizeof(uint32_t);
  return n;
}

}  // namespace aesync
