// RLE/bit-packed hybrid decoding of hand-written runs (Encodings.md).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parquet/rle_hybrid_decoder.h"

namespace aesync::parquet {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

std::vector<uint32_t> decode(const std::string& data, int bit_width, size_t n, bool expect_ok = true) {
  std::vector<uint32_t> out(n, 99);
  RleHybridDecoder d(data, bit_width);
  EXPECT_EQ(d.decode(out.data(), n), expect_ok);
  return out;
}

TEST(RleHybridDecoder, RleRun) {
  // header 5 << 1, value 5 in one byte (bit width 3)
  EXPECT_EQ(decode(bytes({0x0a, 0x05}), 3, 5), (std::vector<uint32_t>{5, 5, 5, 5, 5}));
  // 300 repeats: two-byte header 600, value in two bytes (bit width 10)
  EXPECT_EQ(decode(bytes({0xd8, 0x04, 0xff, 0x03}), 10, 300), std::vector<uint32_t>(300, 1023));
  // bit width 32: a four-byte value
  EXPECT_EQ(decode(bytes({0x04, 0x78, 0x56, 0x34, 0x12}), 32, 2), (std::vector<uint32_t>{0x12345678, 0x12345678}));
}

TEST(RleHybridDecoder, BitPackedRunFromTheSpec) {
  // Encodings.md: 0..7 with bit width 3 packs to 10001000 11000110 11111010.
  EXPECT_EQ(decode(bytes({0x03, 0x88, 0xc6, 0xfa}), 3, 8), (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(RleHybridDecoder, MixedRunsAcrossCalls) {
  // RLE 3 x 1, then bit-packed 8 values of width 1 (1,0,1,1,0,0,0,1), then RLE 2 x 0.
  const std::string data = bytes({0x06, 0x01, 0x03, 0x8d, 0x04, 0x00});
  RleHybridDecoder d(data, 1);
  std::vector<uint32_t> out(13);
  ASSERT_TRUE(d.decode(out.data(), 2));
  ASSERT_TRUE(d.decode(out.data() + 2, 5));
  ASSERT_TRUE(d.decode(out.data() + 7, 6));
  EXPECT_EQ(out, (std::vector<uint32_t>{1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(d.position(), data.size());
  uint32_t more;
  EXPECT_FALSE(d.decode(&more, 1));
}

TEST(RleHybridDecoder, BitWidthZeroIsAllZeros) {
  EXPECT_EQ(decode(bytes({0x08}), 0, 4), (std::vector<uint32_t>{0, 0, 0, 0}));
  EXPECT_EQ(decode(bytes({0x03}), 0, 8), std::vector<uint32_t>(8, 0));
}

TEST(RleHybridDecoder, ShortFinalBitPackedRunServesWhatIsThere) {
  // The header claims 2 groups (16 values of width 1) but only one byte follows: 8 values.
  const std::string data = bytes({0x05, 0xff});
  EXPECT_EQ(decode(data, 1, 8), std::vector<uint32_t>(8, 1));
  decode(data, 1, 9, false);
}

TEST(RleHybridDecoder, MalformedInputFails) {
  decode("", 1, 1, false);                                                // no run at all
  decode(bytes({0x04}), 8, 1, false);                                     // RLE value missing
  decode(bytes({0x04, 0x01}), 16, 1, false);                              // RLE value cut short
  decode(bytes({0x80, 0x80, 0x80}), 1, 1, false);                         // header varint never ends
  decode(bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x01}), 1, 1, false);       // header longer than 32 bits
  decode(bytes({0x02, 0x01}), 33, 1, false);                              // bit width out of range
  EXPECT_EQ(decode(bytes({0x02, 0x01}), 1, 0), std::vector<uint32_t>{});  // nothing asked, nothing read
}

}  // namespace
}  // namespace aesync::parquet
