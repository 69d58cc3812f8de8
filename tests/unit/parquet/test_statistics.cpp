// Column chunk statistics: min/max/null_count/nan_count rules, PLAIN-encoded bounds.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "parquet/statistics.h"

using namespace aesync::parquet;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The 8 little-endian bytes of a double, spelled out so sign bits are visible.
std::string le_bytes(uint64_t bits) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((bits >> (8 * i)) & 0xFF);
  return s;
}

double decode_double(const std::string& s) {
  double d;
  EXPECT_EQ(s.size(), 8u);
  std::memcpy(&d, s.data(), 8);
  return d;
}

}  // namespace

TEST(Statistics, Int64MinMaxAndNullCount) {
  const std::vector<int64_t> v = {5, -7, 0, 1000, std::numeric_limits<int64_t>::max()};
  const std::vector<uint8_t> defined = {1, 1, 1, 1, 0};  // the max value is a NULL slot
  ChunkStatistics st = int64_statistics(v.data(), defined.data(), v.size());
  EXPECT_EQ(st.null_count, 1);
  EXPECT_FALSE(st.nan_count.has_value());
  EXPECT_TRUE(st.legacy_min_max);
  // -7 = 0xFFFF_FFFF_FFFF_FFF9, 1000 = 0x3E8, little-endian
  EXPECT_EQ(*st.min_value, le_bytes(0xFFFFFFFFFFFFFFF9ull));
  EXPECT_EQ(*st.max_value, le_bytes(0x3E8));

  st = int64_statistics(v.data(), nullptr, v.size());  // REQUIRED: no NULLs
  EXPECT_EQ(st.null_count, 0);
  EXPECT_EQ(*st.max_value, le_bytes(0x7FFFFFFFFFFFFFFFull));
}

TEST(Statistics, Int64AllNullHasOnlyNullCount) {
  const std::vector<int64_t> v = {0, 0};
  const std::vector<uint8_t> defined = {0, 0};
  const ChunkStatistics st = int64_statistics(v.data(), defined.data(), 2);
  EXPECT_EQ(st.null_count, 2);
  EXPECT_FALSE(st.min_value.has_value());
  EXPECT_FALSE(st.max_value.has_value());
}

TEST(Statistics, DoubleExcludesNaNAndCountsIt) {
  const std::vector<double> v = {kNaN, 2.5, -1.0, kNaN, 7.0};
  const ChunkStatistics st = double_statistics(v.data(), nullptr, v.size());
  EXPECT_EQ(st.null_count, 0);
  EXPECT_EQ(st.nan_count, 2);
  EXPECT_TRUE(st.legacy_min_max);
  EXPECT_EQ(*st.min_value, le_bytes(0xBFF0000000000000ull));  // -1.0
  EXPECT_EQ(*st.max_value, le_bytes(0x401C000000000000ull));  // 7.0
}

TEST(Statistics, DoubleAllNaNHasNoMinMax) {
  const std::vector<double> v = {kNaN, kNaN, 0.0};
  const std::vector<uint8_t> defined = {1, 1, 0};
  const ChunkStatistics st = double_statistics(v.data(), defined.data(), v.size());
  EXPECT_EQ(st.null_count, 1);
  EXPECT_EQ(st.nan_count, 2);
  EXPECT_FALSE(st.min_value.has_value());
  EXPECT_FALSE(st.max_value.has_value());
}

TEST(Statistics, DoubleZeroBoundsAreSigned) {
  // Only +0.0: min must be written as -0.0 (sign bit set), max as +0.0.
  std::vector<double> v = {0.0, 0.0};
  ChunkStatistics st = double_statistics(v.data(), nullptr, v.size());
  EXPECT_EQ(*st.min_value, le_bytes(0x8000000000000000ull));
  EXPECT_EQ(*st.max_value, le_bytes(0x0000000000000000ull));
  // Only -0.0: same, the max becomes +0.0.
  v = {-0.0};
  st = double_statistics(v.data(), nullptr, v.size());
  EXPECT_EQ(*st.min_value, le_bytes(0x8000000000000000ull));
  EXPECT_EQ(*st.max_value, le_bytes(0x0000000000000000ull));
  // Zero as the max of negatives: +0.0; a positive max stays as is and min -0.0.
  v = {-3.0, -0.0};
  st = double_statistics(v.data(), nullptr, v.size());
  EXPECT_EQ(*st.max_value, le_bytes(0));
  v = {0.0, 4.0};
  st = double_statistics(v.data(), nullptr, v.size());
  EXPECT_EQ(*st.min_value, le_bytes(0x8000000000000000ull));
  EXPECT_EQ(decode_double(*st.max_value), 4.0);
}

TEST(Statistics, DoubleInfinitiesAreOrdinaryBounds) {
  const std::vector<double> v = {kInf, 1.0, -kInf, kNaN};
  const ChunkStatistics st = double_statistics(v.data(), nullptr, v.size());
  EXPECT_EQ(*st.min_value, le_bytes(0xFFF0000000000000ull));  // -inf
  EXPECT_EQ(*st.max_value, le_bytes(0x7FF0000000000000ull));  // +inf
  EXPECT_EQ(st.nan_count, 1);
}

TEST(Statistics, DoubleNullCountIsExactEvenWhenZero) {
  const std::vector<double> v = {1.0};
  const std::vector<uint8_t> defined = {1};
  const ChunkStatistics st = double_statistics(v.data(), defined.data(), 1);
  EXPECT_EQ(st.null_count, 0);
  EXPECT_EQ(st.nan_count, 0);
}

TEST(Statistics, BytesLessIsUnsigned) {
  EXPECT_TRUE(bytes_less("a", "\xff"));  // 0x61 < 0xFF unsigned (signed char would say -1 < 0x61)
  EXPECT_FALSE(bytes_less("\xff", "a"));
  EXPECT_TRUE(bytes_less("", "a"));  // a prefix sorts first
  EXPECT_TRUE(bytes_less("ab", "abc"));
  EXPECT_FALSE(bytes_less("abc", "abc"));
  EXPECT_TRUE(bytes_less(std::string("a\0b", 3), std::string("a\0c", 3)));  // embedded NUL compared
  EXPECT_TRUE(bytes_less("\xc3\xa9", "\xe6\x97\xa5"));                      // é < 日 by UTF-8 bytes
}

TEST(Statistics, StringMinMaxUnsignedOrder) {
  StringMinMax mm;
  for (const char* s : {"m", "\xff", "a", "zz", "\x80"}) mm.add(s);
  const ChunkStatistics st = mm.finish(3, 4096);
  EXPECT_EQ(st.null_count, 3);
  EXPECT_EQ(*st.min_value, "a");
  EXPECT_EQ(*st.max_value, "\xff");
  EXPECT_FALSE(st.legacy_min_max);  // strings never get the deprecated signed fields
  EXPECT_FALSE(st.nan_count.has_value());
}

TEST(Statistics, StringEmptyStringIsAValidMin) {
  StringMinMax mm;
  mm.add("b");
  mm.add("");
  const ChunkStatistics st = mm.finish(0, 4096);
  EXPECT_EQ(*st.min_value, "");
  EXPECT_EQ(*st.max_value, "b");
  EXPECT_EQ(st.null_count, 0);
}

TEST(Statistics, StringAllNullHasOnlyNullCount) {
  StringMinMax mm;
  const ChunkStatistics st = mm.finish(4, 4096);
  EXPECT_EQ(st.null_count, 4);
  EXPECT_FALSE(st.min_value.has_value());
  EXPECT_FALSE(st.max_value.has_value());
}

TEST(Statistics, StringBoundsLongerThanTheCapAreOmitted) {
  const std::string long_max = "z" + std::string(10, 'x');  // 11 bytes
  StringMinMax mm;
  mm.add("a");
  mm.add(long_max);
  EXPECT_FALSE(mm.finish(0, 10).min_value.has_value());  // max too long: both omitted
  EXPECT_FALSE(mm.finish(0, 10).max_value.has_value());
  EXPECT_EQ(mm.finish(0, 11).max_value, long_max);  // exactly at the cap: kept
  EXPECT_EQ(mm.finish(2, 10).null_count, 2);        // null_count stays
}
