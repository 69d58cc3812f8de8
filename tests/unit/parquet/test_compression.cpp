// Compression round trips for every codec, and corrupt input rejected as FormatError.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "parquet/compression.h"
#include "util/error.h"

using namespace aesync::parquet;
using aesync::FormatError;

namespace {

std::string sample(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "row " + std::to_string(i % 97) + " value " + std::to_string(i * 7) + "\n";
  s.resize(n);
  return s;
}

const Codec kCodecs[] = {Codec::UNCOMPRESSED, Codec::SNAPPY, Codec::GZIP, Codec::ZSTD};

}  // namespace

TEST(Compression, RoundTripEveryCodec) {
  for (Codec c : kCodecs) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{300000}}) {
      const std::string in = sample(n);
      std::string packed;
      compress(c, 3, in, packed);
      EXPECT_EQ(decompress(c, packed, in.size()), in) << codec_name(c) << " n=" << n;
      if (n == 300000 && c != Codec::UNCOMPRESSED) {
        EXPECT_LT(packed.size(), n / 2) << codec_name(c);
      }
    }
  }
}

TEST(Compression, CompressorReusesItsContext) {
  for (Codec c : kCodecs) {
    Compressor comp(c, 5);
    std::string out, back;
    for (int i = 0; i < 3; ++i) {
      const std::string in = sample(1000 + i * 5000);
      comp.compress(in, out);
      decompress_into(c, out, in.size(), back);
      EXPECT_EQ(back, in) << codec_name(c) << " page " << i;
    }
  }
}

TEST(Compression, FormatsAreTheOnesParquetNames) {
  std::string out;
  compress(Codec::GZIP, 6, "hello", out);
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(out[0]), 0x1F);  // gzip member magic (RFC 1952)
  EXPECT_EQ(static_cast<unsigned char>(out[1]), 0x8B);
  compress(Codec::ZSTD, 3, "hello", out);
  EXPECT_EQ(out.substr(0, 4), std::string("\x28\xB5\x2F\xFD", 4));  // zstd frame magic, LE 0xFD2FB528
  compress(Codec::SNAPPY, 0, "", out);
  EXPECT_EQ(out, std::string(1, '\0'));  // raw snappy: varint length 0, no tag
  compress(Codec::UNCOMPRESSED, 0, "abc", out);
  EXPECT_EQ(out, "abc");
}

TEST(Compression, GzipAcceptsConcatenatedMembers) {
  std::string a, b;
  compress(Codec::GZIP, 6, "first ", a);
  compress(Codec::GZIP, 6, "second", b);
  EXPECT_EQ(decompress(Codec::GZIP, a + b, 12), "first second");
}

TEST(Compression, WrongSizeIsFormatError) {
  for (Codec c : kCodecs) {
    std::string packed;
    compress(c, 3, "some bytes here", packed);
    EXPECT_THROW(decompress(c, packed, 14), FormatError) << codec_name(c);
    EXPECT_THROW(decompress(c, packed, 16), FormatError) << codec_name(c);
  }
}

TEST(Compression, CorruptInputIsFormatErrorNamingTheCodec) {
  const std::string in = sample(5000);
  for (Codec c : {Codec::SNAPPY, Codec::GZIP, Codec::ZSTD}) {
    std::string packed;
    compress(c, 3, in, packed);
    const std::string truncated = packed.substr(0, packed.size() / 2);
    try {
      decompress(c, truncated, in.size());
      ADD_FAILURE() << codec_name(c) << ": truncated input accepted";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(codec_name(c)), std::string::npos) << e.what();
    }
    EXPECT_THROW(decompress(c, std::string(64, '\x5A'), in.size()), FormatError) << codec_name(c);
  }
}

TEST(Compression, ErrorMessages) {
  try {
    decompress(Codec::UNCOMPRESSED, "abc", 4);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "UNCOMPRESSED page data cannot be decompressed: 3 bytes where the page header says 4");
  }
  try {
    decompress(Codec::LZ4, "abc", 3);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "unsupported compression codec LZ4");
  }
  std::string out;
  EXPECT_THROW(compress(Codec::BROTLI, 1, "x", out), std::invalid_argument);
  EXPECT_EQ(codec_name(static_cast<Codec>(42)), "codec 42");
}
