#include "parquet/byte_stream_split.h"

namespace aesync::parquet {

void append_byte_stream_split(const uint8_t* values, size_t count, size_t width, std::string& out) {
  const size_t pos = out.size();
  out.resize(pos + count * width);
  auto* dst = reinterpret_cast<uint8_t*>(out.data() + pos);
  if (width == 8) {
    // The common case unrolled: one pass over the values, eight output streams.
    uint8_t* s[8];
    for (size_t k = 0; k < 8; ++k) s[k] = dst + k * count;
    for (size_t i = 0; i < count; ++i) {
      const uint8_t* v = values + i * 8;
      s[0][i] = v[0], s[1][i] = v[1], s[2][i] = v[2], s[3][i] = v[3];
      s[4][i] = v[4], s[5][i] = v[5], s[6][i] = v[6], s[7][i] = v[7];
    }
    return;
  }
  for (size_t i = 0; i < count; ++i)
    for (size_t k = 0; k < width; ++k) dst[k * count + i] = values[i * width + k];
}

}  // namespace aesync::parquet
