// Byte-level tests of the RLE / bit-packed hybrid encoder (Parquet Encodings.md). Expected
// bytes are worked out by hand in the comments; a small independent decoder written here
// checks round trips on generated data.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "parquet/rle_hybrid.h"

using namespace aesync::parquet;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

std::string enc32(std::vector<uint32_t> v, int bw) {
  std::string out;
  rle_hybrid_encode(v.data(), v.size(), bw, out);
  return out;
}

std::string enc8(std::vector<uint8_t> v, int bw) {
  std::string out;
  rle_hybrid_encode(v.data(), v.size(), bw, out);
  return out;
}

// Independent reference decoder: reads `n` values, bit by bit.
std::vector<uint32_t> decode(const std::string& in, int bw, size_t n) {
  std::vector<uint32_t> out;
  size_t pos = 0;
  auto varint = [&] {
    uint64_t v = 0;
    int shift = 0;
    for (;;) {
      const auto b = static_cast<uint8_t>(in.at(pos++));
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
      shift += 7;
    }
  };
  while (out.size() < n) {
    const uint64_t h = varint();
    if (h & 1) {
      const size_t count = (h >> 1) * 8;
      const size_t start = pos;
      for (size_t k = 0; k < count; ++k) {
        uint32_t v = 0;
        for (int b = 0; b < bw; ++b) {
          const size_t bit = k * bw + b;
          if ((static_cast<uint8_t>(in.at(start + bit / 8)) >> (bit % 8)) & 1) v |= uint32_t{1} << b;
        }
        if (out.size() < n) out.push_back(v);
      }
      pos = start + (h >> 1) * bw;
    } else {
      uint32_t v = 0;
      for (int b = 0; b < (bw + 7) / 8; ++b) v |= static_cast<uint32_t>(static_cast<uint8_t>(in.at(pos++))) << (8 * b);
      for (uint64_t k = 0; k < (h >> 1); ++k) out.push_back(v);
    }
  }
  EXPECT_EQ(pos, in.size()) << "trailing bytes after " << n << " values";
  return out;
}

}  // namespace

TEST(RleHybrid, BitWidthFor) {
  EXPECT_EQ(bit_width_for(0), 0);
  EXPECT_EQ(bit_width_for(1), 1);
  EXPECT_EQ(bit_width_for(2), 2);
  EXPECT_EQ(bit_width_for(3), 2);
  EXPECT_EQ(bit_width_for(7), 3);
  EXPECT_EQ(bit_width_for(8), 4);
  EXPECT_EQ(bit_width_for(255), 8);
  EXPECT_EQ(bit_width_for(256), 9);
  EXPECT_EQ(bit_width_for(0xFFFFFFFFu), 32);
}

TEST(RleHybrid, RepeatedValueIsOneRleRun) {
  // 10 x 5 at width 3: header 10 << 1 = 20 = 0x14, value in ceil(3/8) = 1 byte
  EXPECT_EQ(enc32(std::vector<uint32_t>(10, 5), 3), bytes({0x14, 0x05}));
  // A whole sequence of one value is an RLE run even when short: 3 x 1 -> 0x06, 0x01
  EXPECT_EQ(enc8({1, 1, 1}, 1), bytes({0x06, 0x01}));
  // 100 x 0: header 200 = 0xC8 0x01 (two varint bytes), value 0x00
  EXPECT_EQ(enc32(std::vector<uint32_t>(100, 0), 1), bytes({0xC8, 0x01, 0x00}));
}

TEST(RleHybrid, RleValueTakesWholeBytes) {
  // width 9: value 300 = 0x012C in 2 little-endian bytes
  EXPECT_EQ(enc32(std::vector<uint32_t>(8, 300), 9), bytes({0x10, 0x2C, 0x01}));
  // width 16: still 2 bytes
  EXPECT_EQ(enc32(std::vector<uint32_t>(8, 0xBEEF), 16), bytes({0x10, 0xEF, 0xBE}));
  // width 17: 3 bytes
  EXPECT_EQ(enc32(std::vector<uint32_t>(8, 0x1ABCD), 17), bytes({0x10, 0xCD, 0xAB, 0x01}));
  // width 32: 4 bytes
  EXPECT_EQ(enc32(std::vector<uint32_t>(8, 0xDEADBEEF), 32), bytes({0x10, 0xEF, 0xBE, 0xAD, 0xDE}));
}

TEST(RleHybrid, BitPackedWidth1IsLsbFirst) {
  // One group of 8: header (1 << 1) | 1 = 0x03; bits v0..v7 = 1,0,1,1,0,0,0,1 from the LSB:
  // 0b10001101 = 0x8D
  EXPECT_EQ(enc8({1, 0, 1, 1, 0, 0, 0, 1}, 1), bytes({0x03, 0x8D}));
}

TEST(RleHybrid, BitPackedWidth2PadsTheLastGroup) {
  // 5 values -> 1 group padded with zeros. Byte 0 = v3 v2 v1 v0 = 11 10 01 00 = 0xE4;
  // byte 1 = v4 (0) and padding = 0x00.
  EXPECT_EQ(enc32({0, 1, 2, 3, 0}, 2), bytes({0x03, 0xE4, 0x00}));
}

TEST(RleHybrid, BitPackedWidth3MatchesTheSpecExample) {
  // Encodings.md: 0..7 at width 3 -> 10001000 11000110 11111010
  EXPECT_EQ(enc32({0, 1, 2, 3, 4, 5, 6, 7}, 3), bytes({0x03, 0x88, 0xC6, 0xFA}));
}

TEST(RleHybrid, BitPackedWidth8IsTheBytesThemselves) {
  EXPECT_EQ(enc32({1, 2, 3, 4, 5, 6, 7, 8, 9}, 8),
            bytes({0x05, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0}));  // 2 groups: 0x05
}

TEST(RleHybrid, BitPackedWidth13CrossesTheWordBoundary) {
  // v4 = 0x1001 sits at bits 52..64: bit 52 -> byte 6 bit 4 (0x10), bit 64 -> byte 8 bit 0 (0x01),
  // straddling the first 64-bit word. v7 = 0x1FFF at bits 91..103: byte 11 bits 3..7 (0xF8),
  // byte 12 (0xFF). v0 = 1 -> byte 0 = 0x01. 8 x 13 bits = 13 bytes.
  EXPECT_EQ(enc32({1, 0, 0, 0, 0x1001, 0, 0, 0x1FFF}, 13),
            bytes({0x03, 0x01, 0, 0, 0, 0, 0, 0x10, 0, 0x01, 0, 0, 0xF8, 0xFF}));
}

TEST(RleHybrid, BitPackedWidth32) {
  EXPECT_EQ(enc32({0xFFFFFFFF, 1, 0, 0, 0, 0, 0, 0x80000000}, 32),
            bytes({0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 0, 0}) + std::string(20, '\0') + bytes({0, 0, 0, 0x80}));
}

TEST(RleHybrid, LiteralsBorrowFromARunToFillTheirGroup) {
  // [1, 0] then 14 x 1: the 2 literals borrow 6 ones -> one bit-packed group
  // 1,0,1,1,1,1,1,1 = 0b11111101 = 0xFD (header 0x03); the 8 ones left form an RLE run
  // (header 8 << 1 = 0x10, value 0x01).
  std::vector<uint8_t> v = {1, 0};
  v.insert(v.end(), 14, 1);
  EXPECT_EQ(enc8(v, 1), bytes({0x03, 0xFD, 0x10, 0x01}));
}

TEST(RleHybrid, ShortRunAfterLendingStaysBitPacked) {
  // [0] + 9 x 1 + [0]: lending 7 ones leaves a run of 2, too short: all 11 values are
  // bit-packed in 2 groups (header 0x05): 0,1,1,1,1,1,1,1 = 0xFE; 1,1,0 + padding = 0x03.
  std::vector<uint8_t> v = {0};
  v.insert(v.end(), 9, 1);
  v.push_back(0);
  EXPECT_EQ(enc8(v, 1), bytes({0x05, 0xFE, 0x03}));
}

TEST(RleHybrid, RunThenLiteralsThenRun) {
  // 8 x 2 -> RLE 0x10 0x02; [0, 1, 3] literals; then 10 x 3 (the literals borrow 5, leaving
  // 5 < 8, so everything after the first run is packed: 13 values, 2 groups, header 0x05).
  // Group 1: 0,1,3,3 | 3,3,3,3 -> bytes 0b11_11_01_00 = 0xF4, 0xFF; group 2: 3,3,3,3,3 + 0,0,0
  // -> 0xFF, 0x03.
  std::vector<uint32_t> v(8, 2);
  v.insert(v.end(), {0, 1, 3});
  v.insert(v.end(), 10, 3);
  EXPECT_EQ(enc32(v, 2), bytes({0x10, 0x02, 0x05, 0xF4, 0xFF, 0xFF, 0x03}));
}

TEST(RleHybrid, EmptyInputWritesNothing) { EXPECT_EQ(enc32({}, 5), ""); }

TEST(RleHybrid, BadBitWidthIsALogicError) {
  std::string out;
  uint32_t v = 0;
  EXPECT_THROW(rle_hybrid_encode(&v, 1, 33, out), std::logic_error);
}

TEST(RleHybrid, DefinitionLevelsHaveA4ByteLengthPrefix) {
  std::string out;
  const uint8_t mixed[] = {1, 1, 0, 1};
  encode_definition_levels(mixed, 4, out);
  // bit-packed: header 0x03, bits 1,1,0,1 = 0b1011 = 0x0B -> 2 bytes, length 02 00 00 00
  EXPECT_EQ(out, bytes({0x02, 0, 0, 0, 0x03, 0x0B}));

  out.clear();
  const uint8_t all[] = {1, 1, 1};
  encode_definition_levels(all, 3, out);
  EXPECT_EQ(out, bytes({0x02, 0, 0, 0, 0x06, 0x01}));  // one RLE run of 3 ones

  // Appends after what is already in the buffer; the length covers only the levels.
  out = "xy";
  const uint8_t none[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  encode_definition_levels(none, 10, out);
  EXPECT_EQ(out, bytes({'x', 'y', 0x02, 0, 0, 0, 0x14, 0x00}));
}

TEST(RleHybrid, DictionaryIndicesStartWithTheBitWidthByte) {
  EXPECT_EQ(dictionary_index_bit_width(1), 1);  // never 0
  EXPECT_EQ(dictionary_index_bit_width(2), 1);
  EXPECT_EQ(dictionary_index_bit_width(3), 2);
  EXPECT_EQ(dictionary_index_bit_width(256), 8);
  EXPECT_EQ(dictionary_index_bit_width(257), 9);

  std::string out;
  const uint32_t zeros[] = {0, 0, 0, 0, 0};
  encode_dictionary_indices(zeros, 5, 1, out);
  // width byte 1, then RLE: 5 << 1 = 0x0A, value 0x00
  EXPECT_EQ(out, bytes({0x01, 0x0A, 0x00}));

  out.clear();
  const uint32_t idx[] = {0, 1, 2, 0};
  encode_dictionary_indices(idx, 4, 3, out);
  // width 2; bit-packed one group: 0,1,2,0 -> 00 10 01 00 = 0x24, padding 0x00
  EXPECT_EQ(out, bytes({0x02, 0x03, 0x24, 0x00}));
}

TEST(RleHybrid, RoundTripsThroughAReferenceDecoder) {
  std::mt19937_64 rng(7);
  for (int bw = 1; bw <= 32; ++bw) {
    const uint64_t max = bw == 32 ? 0xFFFFFFFFull : (uint64_t{1} << bw) - 1;
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<uint32_t> v;
      const size_t n = rng() % 300;
      while (v.size() < n) {
        const auto x = static_cast<uint32_t>(rng() & max);
        const size_t rep = rng() % 3 == 0 ? rng() % 40 : 1;  // mix runs and literals
        v.insert(v.end(), std::min(rep, n - v.size()), x);
      }
      const std::string out = enc32(v, bw);
      ASSERT_EQ(decode(out, bw, v.size()), v) << "bit width " << bw << " trial " << trial;
    }
  }
}

TEST(RleHybrid, DefinitionLevelRunsOfAnyLengthRoundTrip) {
  // Byte input scans runs 8 values at a time: runs that end on and off word boundaries.
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<uint8_t> v;
    const size_t n = 1 + rng() % 500;
    while (v.size() < n)
      v.insert(v.end(), std::min<size_t>(1 + rng() % 40, n - v.size()), static_cast<uint8_t>(rng() % 2));
    std::string out;
    encode_definition_levels(v.data(), v.size(), out);
    uint32_t len;
    std::memcpy(&len, out.data(), 4);
    ASSERT_EQ(len, out.size() - 4);
    const std::vector<uint32_t> back = decode(out.substr(4), 1, v.size());
    ASSERT_EQ(back, std::vector<uint32_t>(v.begin(), v.end())) << "trial " << trial;
  }
}
