#include "parquet/rle_hybrid.h"

#include <bit>
#include <cstring>
#include <stdexcept>

#include "parquet/varint.h"

namespace aesync::parquet {

static_assert(std::endian::native == std::endian::little, "bit packing stores words little-endian");

namespace {

// A stretch of equal values shorter than this stays in the bit-packed section: an RLE run
// costs a header plus the value, and breaking the literal section costs another header.
constexpr size_t kMinRleRun = 8;

void put_rle_run(uint32_t value, size_t count, int bit_width, std::string& out) {
  append_uleb128(static_cast<uint64_t>(count) << 1, out);
  const size_t value_bytes = (static_cast<size_t>(bit_width) + 7) / 8;
  for (size_t b = 0; b < value_bytes; ++b) out.push_back(static_cast<char>((value >> (8 * b)) & 0xFF));
}

// Bit-packs `count` values (the last group of 8 padded with zeros) as one bit-packed run.
template <typename T>
void put_bitpacked_run(const T* v, size_t count, int bit_width, std::string& out) {
  const size_t groups = (count + 7) / 8;
  append_uleb128((static_cast<uint64_t>(groups) << 1) | 1, out);
  const size_t total_bytes = groups * static_cast<size_t>(bit_width);
  const size_t pos = out.size();
  out.resize(pos + total_bytes);
  char* dst = out.data() + pos;
  const uint64_t mask = bit_width >= 32 ? 0xFFFFFFFFull : ((uint64_t{1} << bit_width) - 1);
  uint64_t acc = 0;
  int bits = 0;  // bits pending in acc, always < 64 between values
  const size_t padded = groups * 8;
  for (size_t k = 0; k < padded; ++k) {
    const uint64_t x = (k < count ? static_cast<uint64_t>(v[k]) : 0) & mask;
    acc |= x << bits;
    bits += bit_width;
    if (bits >= 64) {
      std::memcpy(dst, &acc, 8);
      dst += 8;
      bits -= 64;
      // The top `bits` bits of x did not fit in the word just stored.
      acc = bits > 0 ? x >> (bit_width - bits) : 0;
    }
  }
  // groups * 8 * bit_width bits is a whole number of bytes.
  std::memcpy(dst, &acc, static_cast<size_t>(bits) / 8);
}

// End of the run of values equal to v[i]. Byte values (definition levels, whose runs are long
// when a column has few NULLs) are compared 8 at a time.
template <typename T>
size_t run_end(const T* v, size_t i, size_t n) {
  const T x = v[i];
  size_t j = i + 1;
  if constexpr (sizeof(T) == 1) {
    const uint64_t pattern = 0x0101010101010101ull * static_cast<uint8_t>(x);
    while (j + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, v + j, 8);
      if (w != pattern) break;
      j += 8;
    }
  }
  while (j < n && v[j] == x) ++j;
  return j;
}

template <typename T>
void encode(const T* v, size_t n, int bit_width, std::string& out) {
  if (bit_width < 0 || bit_width > 32) throw std::logic_error("rle_hybrid_encode: bit width out of range 0..32");
  size_t pending = 0;  // first value not yet emitted
  size_t i = 0;
  while (i < n) {
    const T x = v[i];
    const size_t j = run_end(v, i, n);
    const size_t run = j - i;
    const size_t literals = i - pending;
    if (literals == 0 && j == n) {
      put_rle_run(static_cast<uint32_t>(x), run, bit_width, out);
      return;
    }
    if (run >= kMinRleRun) {
      const size_t lend = (8 - literals % 8) % 8;  // values the literals borrow to fill a group
      if (run - lend >= kMinRleRun) {
        if (literals + lend > 0) put_bitpacked_run(v + pending, literals + lend, bit_width, out);
        put_rle_run(static_cast<uint32_t>(x), run - lend, bit_width, out);
        pending = j;
      }
    }
    i = j;
  }
  if (pending < n) put_bitpacked_run(v + pending, n - pending, bit_width, out);
}

}  // namespace

int bit_width_for(uint64_t max_value) { return max_value == 0 ? 0 : 64 - std::countl_zero(max_value); }

void rle_hybrid_encode(const uint32_t* values, size_t n, int bit_width, std::string& out) {
  encode(values, n, bit_width, out);
}

void rle_hybrid_encode(const uint8_t* values, size_t n, int bit_width, std::string& out) {
  encode(values, n, bit_width, out);
}

void encode_definition_levels(const uint8_t* defined, size_t n, std::string& out) {
  const size_t len_pos = out.size();
  out.append(4, '\0');
  encode(defined, n, 1, out);
  const auto len = static_cast<uint32_t>(out.size() - len_pos - 4);
  std::memcpy(out.data() + len_pos, &len, 4);
}

int dictionary_index_bit_width(size_t dictionary_size) {
  const int w = dictionary_size <= 1 ? 0 : bit_width_for(dictionary_size - 1);
  return w < 1 ? 1 : w;
}

void encode_dictionary_indices(const uint32_t* indices, size_t n, size_t dictionary_size, std::string& out) {
  const int w = dictionary_index_bit_width(dictionary_size);
  out.push_back(static_cast<char>(w));
  encode(indices, n, w, out);
}

}  // namespace aesync::parquet
