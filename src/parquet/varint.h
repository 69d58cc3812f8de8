// ULEB128 varints, as the Thrift compact protocol and the RLE/bit-packed hybrid's run headers
// both write them.
#pragma once

#include <cstdint>
#include <string>

namespace aesync::parquet {

inline void append_uleb128(uint64_t v, std::string& out) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

}  // namespace aesync::parquet
