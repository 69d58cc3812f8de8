// DELTA_BINARY_PACKED decoding (parquet-format Encodings.md), for the INT32 / INT64 data pages
// that v2 writers (DuckDB, arrow-rs) emit. The other value decoders: RleHybridDecoder
// (rle_hybrid_decoder.h: levels, dictionary indices, RLE booleans); PLAIN and dictionary values
// are read where they are stored, in column_chunk_reader.cpp.
//
// Format: a header <block size> <miniblocks per block> <value
// count> <first value>, then blocks of <min delta> <one bit width per miniblock> <miniblocks>.
// Deltas are added with wrap-around in 64 bits (INT32 columns truncate afterwards). Decodes the
// first `n` values into `out`; returns an error message, empty on success.
// Input is untrusted: every read is bounds-checked, and a malformed block is reported as a
// message, never read past.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aesync::parquet {

class DeltaBinaryPackedDecoder {
 public:
  explicit DeltaBinaryPackedDecoder(std::string_view data) : data_(data) {}

  std::string decode(size_t n, std::vector<uint64_t>& out) {
    out.resize(n);
    uint64_t block_size, miniblocks, total, first;
    if (!uleb(block_size) || !uleb(miniblocks) || !uleb(total) || !zigzag(first)) return "truncated header";
    if (block_size == 0 || block_size % 128 != 0 || block_size > (uint64_t{1} << 31) || miniblocks == 0 ||
        block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0)
      return "invalid block size " + std::to_string(block_size) + " / miniblocks " + std::to_string(miniblocks);
    if (total < n) return "holds " + std::to_string(total) + " values, the page needs " + std::to_string(n);
    if (n == 0) return {};
    const uint64_t per_mini = block_size / miniblocks;
    uint64_t value = first;
    out[0] = value;
    size_t k = 1;
    while (k < n) {
      uint64_t min_delta;
      if (!zigzag(min_delta)) return "truncated block header";
      if (miniblocks > data_.size() - pos_) return "truncated miniblock bit widths";
      const size_t widths = pos_;
      pos_ += miniblocks;
      for (uint64_t m = 0; m < miniblocks && k < n; ++m) {
        const unsigned w = static_cast<uint8_t>(data_[widths + m]);
        if (w > 64) return "miniblock bit width " + std::to_string(w) + " exceeds 64";
        const uint64_t bytes = per_mini * w / 8;
        const size_t avail = data_.size() - pos_;
        const uint64_t take = std::min<uint64_t>(per_mini, n - k);
        // Values past the last one needed may be missing; the ones we read must be present.
        if ((take * w + 7) / 8 > avail) return "truncated miniblock";
        for (uint64_t j = 0; j < take; ++j) {
          value += min_delta + bits(pos_, j * w, w);
          out[k++] = value;
        }
        pos_ += std::min<uint64_t>(bytes, avail);
      }
    }
    return {};
  }

 private:
  bool uleb(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool zigzag(uint64_t& v) {
    uint64_t u;
    if (!uleb(u)) return false;
    v = (u >> 1) ^ (~(u & 1) + 1);
    return true;
  }
  // `w` bits (LSB first) at bit `bit` after byte `start`; the caller checked they exist.
  uint64_t bits(size_t start, uint64_t bit, unsigned w) const {
    if (w == 0) return 0;
    size_t byte = start + static_cast<size_t>(bit / 8);
    unsigned shift = static_cast<unsigned>(bit % 8);
    uint64_t v = 0;
    for (unsigned got = 0; got < w; ++byte) {
      v |= (static_cast<uint64_t>(static_cast<uint8_t>(data_[byte])) >> shift) << got;
      got += 8 - shift;
      shift = 0;
    }
    return w == 64 ? v : v & ((uint64_t{1} << w) - 1);
  }

  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace aesync::parquet
