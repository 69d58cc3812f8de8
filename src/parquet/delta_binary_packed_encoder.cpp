#include "parquet/delta_binary_packed_encoder.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>

namespace aesync::parquet {

namespace {

constexpr size_t kBlock = 128;
constexpr size_t kMiniblocks = 4;
constexpr size_t kPerMiniblock = kBlock / kMiniblocks;

void put_uleb(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_zigzag(std::string& out, int64_t v) {
  put_uleb(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

// Appends the 32 values at `v` bit-packed at `width` bits (1..64), LSB first: 4 * width bytes.
void pack_miniblock(const uint64_t* v, unsigned width, std::string& out) {
  uint64_t acc = 0;
  unsigned filled = 0;  // bits of `acc` in use, < 64 between values
  char bytes[8];
  for (size_t i = 0; i < kPerMiniblock; ++i) {
    acc |= v[i] << filled;
    filled += width;
    if (filled >= 64) {
      std::memcpy(bytes, &acc, 8);
      out.append(bytes, 8);
      filled -= 64;
      acc = filled == 0 ? 0 : v[i] >> (width - filled);
    }
  }
  // 32 * width bits end on a 32-bit boundary: 0 or 4 bytes remain.
  std::memcpy(bytes, &acc, 8);
  out.append(bytes, filled / 8);
}

}  // namespace

void append_delta_binary_packed(const int64_t* values, size_t count, std::string& out) {
  put_uleb(out, kBlock);
  put_uleb(out, kMiniblocks);
  put_uleb(out, count);
  put_zigzag(out, count == 0 ? 0 : values[0]);
  uint64_t deltas[kBlock];
  for (size_t start = 1; start < count; start += kBlock) {
    const size_t n = std::min(kBlock, count - start);
    // Deltas wrap in 64 bits (unsigned arithmetic); the minimum is taken as signed.
    int64_t min_delta = INT64_MAX;
    for (size_t i = 0; i < n; ++i) {
      deltas[i] = static_cast<uint64_t>(values[start + i]) - static_cast<uint64_t>(values[start + i - 1]);
      min_delta = std::min(min_delta, static_cast<int64_t>(deltas[i]));
    }
    for (size_t i = 0; i < n; ++i) deltas[i] -= static_cast<uint64_t>(min_delta);
    std::fill(deltas + n, deltas + kBlock, 0);  // the last miniblock's padding
    put_zigzag(out, min_delta);
    unsigned widths[kMiniblocks];
    const size_t used = (n + kPerMiniblock - 1) / kPerMiniblock;
    for (size_t m = 0; m < kMiniblocks; ++m) {
      uint64_t all = 0;
      if (m < used)
        for (size_t i = m * kPerMiniblock; i < (m + 1) * kPerMiniblock; ++i) all |= deltas[i];
      widths[m] = static_cast<unsigned>(std::bit_width(all));
      out.push_back(static_cast<char>(widths[m]));
    }
    for (size_t m = 0; m < used; ++m)
      if (widths[m] > 0) pack_miniblock(deltas + m * kPerMiniblock, widths[m], out);
  }
}

}  // namespace aesync::parquet
