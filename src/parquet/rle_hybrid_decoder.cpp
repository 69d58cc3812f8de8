#include "parquet/rle_hybrid_decoder.h"

#include <algorithm>

namespace aesync::parquet {

RleHybridDecoder::RleHybridDecoder(std::string_view data, int bit_width) : data_(data), bit_width_(bit_width) {}

bool RleHybridDecoder::next_run() {
  if (bit_width_ < 0 || bit_width_ > 32) return false;
  // ULEB128 run header, at most 5 bytes for 32 bits.
  uint64_t header = 0;
  for (int shift = 0;; shift += 7) {
    if (pos_ >= data_.size() || shift > 28) return false;
    const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    header |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
  }
  if (header & 1) {
    // Bit-packed: (header >> 1) groups of 8 values, bit_width bytes per group.
    const uint64_t groups = header >> 1;
    const uint64_t bytes = groups * static_cast<uint64_t>(bit_width_);
    const size_t available = data_.size() - pos_;
    const uint64_t body = std::min<uint64_t>(bytes, available);
    rle_ = false;
    packed_start_ = pos_;
    packed_index_ = 0;
    run_left_ =
        bit_width_ == 0 ? groups * 8 : std::min<uint64_t>(groups * 8, body * 8 / static_cast<uint64_t>(bit_width_));
    pos_ += body;
  } else {
    const size_t width_bytes = (static_cast<size_t>(bit_width_) + 7) / 8;
    if (data_.size() - pos_ < width_bytes) return false;
    uint32_t v = 0;
    for (size_t i = 0; i < width_bytes; ++i)
      v |= static_cast<uint32_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
    pos_ += width_bytes;
    rle_ = true;
    rle_value_ = v;
    run_left_ = header >> 1;
  }
  return true;
}

bool RleHybridDecoder::decode(uint32_t* out, size_t n) {
  const uint64_t mask = bit_width_ >= 32 ? 0xffffffffull : ((1ull << bit_width_) - 1);
  while (n > 0) {
    if (run_left_ == 0) {
      if (!next_run()) return false;
      continue;  // an empty run (count 0) is legal, if useless
    }
    const size_t take = std::min(n, run_left_);
    if (rle_) {
      std::fill(out, out + take, rle_value_);
    } else if (bit_width_ == 0) {
      std::fill(out, out + take, 0u);
      packed_index_ += take;
    } else {
      // Values are packed LSB first; a value of up to 32 bits spans at most 5 bytes. run_left_
      // was capped to whole values inside the bytes present, so every byte read here exists.
      const size_t end = pos_;
      for (size_t i = 0; i < take; ++i) {
        const uint64_t bit = static_cast<uint64_t>(packed_index_ + i) * static_cast<uint64_t>(bit_width_);
        size_t byte = packed_start_ + static_cast<size_t>(bit / 8);
        const unsigned shift = static_cast<unsigned>(bit % 8);
        uint64_t word = 0;
        for (unsigned k = 0; k < 5 && byte + k < end; ++k)
          word |= static_cast<uint64_t>(static_cast<uint8_t>(data_[byte + k])) << (8 * k);
        out[i] = static_cast<uint32_t>((word >> shift) & mask);
      }
      packed_index_ += take;
    }
    out += take;
    n -= take;
    run_left_ -= take;
  }
  return true;
}

}  // namespace aesync::parquet
