// Hostile Parquet files that made ParquetReader allocate gigabytes from a few bytes (found by
// crafting what fuzz/parquet.cpp runs into: RLE runs, DELTA_BINARY_PACKED miniblocks of width 0,
// page sizes and dictionary entries that stand for far more data than the file holds). Each now
// ends in a FormatError before the allocation; the files are also in fuzz/corpus/parquet/.
#include <gtest/gtest.h>

#include <string>

#include "parquet/parquet_reader.h"
#include "util/error.h"

namespace aesync::parquet {
namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// The FormatError reading row group 0 gives; the footer itself must parse.
std::string row_group_error(const std::string& bytes) {
  const ParquetReader reader = ParquetReader::from_bytes(bytes, "bomb.parquet");
  try {
    reader.read_row_group(0);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "<no error>";
}

// bomb_rle_dictionary_2g_values.parquet (130 bytes)
constexpr const char* kBombRleDictionary2gValues =
    "504152311504151015104c1502150000002a000000000000001500150e150e2c15feffffff0f151015061506000001fe"
    "ffffff0f011502192c4806736368656d61150200150425001801760016feffffff0f191c191c3c150419150019180176"
    "150016feffffff0f1662166226080000160016feffffff0f00004500000050415231";

// bomb_rle_null_levels_2g_values.parquet (112 bytes)
constexpr const char* kBombRleNullLevels2gValues =
    "504152311500151415142c15feffffff0f150015061506000006000000feffffff0f001502192c4806736368656d6115"
    "0200150a25021801760016feffffff0f191c191c3c150a19150019180176150016feffffff0f163e163e260800001600"
    "16feffffff0f00004500000050415231";

// bomb_delta_width0_2g_values.parquet (116 bytes)
constexpr const char* kBombDeltaWidth02gValues =
    "504152311500151c151c2c15feffffff0f150a150615060000800104ffffffff070e02000000001502192c4806736368"
    "656d61150200150425001801760016feffffff0f191c191c3c150419150019180176150016feffffff0f164616462608"
    "0000160016feffffff0f00004500000050415231";

// bomb_page_uncompressed_size_2g.parquet (100 bytes)
constexpr const char* kBombPageUncompressedSize2g =
    "50415231150015feffffff0f15142c1502150015061506000028b52ffd0058010000001502192c4806736368656d6115"
    "020015042500180176001602191c191c3c150419150019180176150c1602163e163e2608000016001602000039000000"
    "50415231";

// bomb_dictionary_string_1g_bytes.parquet (1127 bytes): head, 1000 x "s", tail
constexpr const char* kDictStringHead = "50415231150415d80f15d80f4c150215000000e8030000";
constexpr const char* kDictStringTail =
    "1500150c150c2c158080800115101506150600000180808001001502192c4806736368656d61150200150c2500180173"
    "2500001680808001191c191c3c150c191500191801731500168080800116aa1016aa1026080000160016808080010000"
    "4600000050415231";

// One INT64 column, 2^31 - 1 rows: a dictionary of one value and a data page whose indices are
// one RLE run of 2^31 - 1 (6 bytes), which asked for 8 GiB of indices and 16 GiB of values.
TEST(ParquetFuzzRegressions, RleRunOfDictionaryIndices) {
  EXPECT_EQ(row_group_error(from_hex(kBombRleDictionary2gValues)),
            "bomb.parquet: row group 0, column 'v', page at byte offset 25: decoding needs 34359738352 more bytes, "
            "past the row group's limit of 268435456 (1024 times the file's 130 bytes, at least 256 MiB)");
}

// An OPTIONAL DOUBLE column whose definition levels are one RLE run of 2^31 - 1 nulls.
TEST(ParquetFuzzRegressions, RleRunOfNullDefinitionLevels) {
  EXPECT_EQ(row_group_error(from_hex(kBombRleNullLevels2gValues)),
            "bomb.parquet: row group 0, column 'v', page at byte offset 4: decoding needs 34359738352 more bytes, "
            "past the row group's limit of 268435456 (1024 times the file's 112 bytes, at least 256 MiB)");
}

// DELTA_BINARY_PACKED whose miniblocks have bit width 0: 2^31 - 1 values from a few bytes.
TEST(ParquetFuzzRegressions, DeltaBinaryPackedOfWidthZero) {
  EXPECT_EQ(row_group_error(from_hex(kBombDeltaWidth02gValues)),
            "bomb.parquet: row group 0, column 'v', page at byte offset 4: decoding needs 34359738352 more bytes, "
            "past the row group's limit of 268435456 (1024 times the file's 116 bytes, at least 256 MiB)");
}

// A zstd page of 10 bytes whose header claims 2^31 - 1 bytes uncompressed: the output buffer
// was sized from the claim.
TEST(ParquetFuzzRegressions, UncompressedPageSizeClaim) {
  EXPECT_EQ(row_group_error(from_hex(kBombPageUncompressedSize2g)),
            "bomb.parquet: row group 0, column 'v', page at byte offset 4: decoding needs 2147483647 more bytes, "
            "past the row group's limit of 268435456 (1024 times the file's 100 bytes, at least 256 MiB)");
}

// A BYTE_ARRAY dictionary of one 1000-byte entry and an RLE run of 2^20 indices: 1 GiB of
// strings from a 1127-byte file.
TEST(ParquetFuzzRegressions, DictionaryStringRepeatedByARun) {
  const std::string file = from_hex(kDictStringHead) + std::string(1000, 's') + from_hex(kDictStringTail);
  ASSERT_EQ(file.size(), 1127u);
  EXPECT_EQ(row_group_error(file),
            "bomb.parquet: row group 0, column 's', page at byte offset 1023: decoding needs 1048576000 more bytes, "
            "past the row group's limit of 268435456 (1024 times the file's 1127 bytes, at least 256 MiB)");
}

// Runs are fine within the limit: one RLE run of 1,000,000 indices (16 MB charged) decodes.
constexpr const char* kRunOfAMillion =
    "504152311504151015104c1502150000002a000000000000001500150a150a2c1580897a15101506150600000180897a"
    "001502192c4806736368656d6115020015042500180176001680897a191c191c3c15041915001918017615001680897a"
    "165a165a2608000016001680897a00003f00000050415231";

TEST(ParquetFuzzRegressions, RunsWithinTheLimitStillDecode) {
  const ParquetReader reader = ParquetReader::from_bytes(from_hex(kRunOfAMillion), "run.parquet");
  const RowBatch batch = reader.read_row_group(0);
  ASSERT_EQ(batch.rows, 1000000u);
  ASSERT_EQ(batch.columns.size(), 1u);
  ASSERT_EQ(batch.columns[0].ints.size(), 1000000u);
  EXPECT_EQ(batch.columns[0].ints.front(), 42);
  EXPECT_EQ(batch.columns[0].ints.back(), 42);
}

}  // namespace
}  // namespace aesync::parquet
