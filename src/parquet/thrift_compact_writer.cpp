#include "parquet/thrift_compact_writer.h"

#include <stdexcept>

#include "parquet/varint.h"

namespace aesync::parquet {

void ThriftCompactWriter::begin_struct() {
  if (depth_ == kMaxDepth) throw std::logic_error("ThriftCompactWriter: structs nested too deeply");
  last_ids_[depth_++] = 0;
}

void ThriftCompactWriter::end_struct() {
  if (depth_ == 0) throw std::logic_error("ThriftCompactWriter: end_struct() without an open struct");
  out_.push_back(static_cast<char>(ThriftType::STOP));
  --depth_;
}

void ThriftCompactWriter::field_header(int16_t id, ThriftType type) {
  if (depth_ == 0) throw std::logic_error("ThriftCompactWriter: field outside a struct");
  int16_t& last = last_ids_[depth_ - 1];
  const int delta = static_cast<int>(id) - static_cast<int>(last);
  if (delta > 0 && delta <= 15) {
    out_.push_back(static_cast<char>((delta << 4) | static_cast<int>(type)));
  } else {
    // Long form: the type alone, then the id itself as a zigzag varint i16.
    out_.push_back(static_cast<char>(type));
    i16(id);
  }
  last = id;
}

void ThriftCompactWriter::list_header(ThriftType elem, size_t size) {
  if (size < 15) {
    out_.push_back(static_cast<char>((size << 4) | static_cast<size_t>(elem)));
  } else {
    out_.push_back(static_cast<char>(0xF0 | static_cast<int>(elem)));
    varint(size);
  }
}

void ThriftCompactWriter::binary(std::string_view v) {
  varint(v.size());
  out_.append(v);
}

void ThriftCompactWriter::varint(uint64_t v) { append_uleb128(v, out_); }

}  // namespace aesync::parquet
