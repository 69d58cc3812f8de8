// Dictionary encoding of DOUBLE and INT64 chunks: ValueDictionary itself, and the writer's
// choice between a dictionary (tried only for chunks with few distinct values), PLAIN and the
// split/delta encodings (the smallest written), read back exactly by the project's reader.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "parquet/parquet_reader.h"
#include "parquet/parquet_writer.h"
#include "parquet/value_dictionary.h"
#include "util/byte_sink.h"

using namespace aesync;
using namespace aesync::parquet;

namespace {

uint64_t bits(double d) { return std::bit_cast<uint64_t>(d); }

ColumnSpec column(const std::string& name, ColumnType type, bool nullable) {
  ColumnSpec c;
  c.name = name;
  c.type = type;
  c.from = *RawColumn::parse(type == ColumnType::Timestamp ? "timestamp" : "double1");
  if (nullable) c.when = WhenCondition{*RawColumn::parse("blob4"), "resource"};
  return c;
}

// A fixed pseudo-random sequence (an LCG): picks that zstd cannot predict from a cycle.
struct Lcg {
  uint64_t state = 42;
  uint64_t next(uint64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % n;
  }
};

std::string write_file(const Schema& schema, const RowBatch& batch, Codec codec) {
  WriterOptions opt;
  opt.codec = codec;
  StringSink sink;
  ParquetWriter w(schema, opt, sink);
  w.write_row_group(batch);
  w.close();
  return sink.out;
}

// The encodings of the first row group's column `k`, by name.
std::vector<std::string> encodings(const ParquetReader& r, size_t k) {
  std::vector<std::string> out;
  for (Encoding e : r.metadata().row_groups.at(0).columns.at(k).encodings) out.push_back(name_of(e));
  return out;
}

}  // namespace

TEST(ValueDictionary, IndexesInFirstSeenOrderByBitPattern) {
  ValueDictionary d;
  EXPECT_EQ(d.insert(bits(1.5)), 0u);
  EXPECT_EQ(d.insert(bits(0.0)), 1u);
  EXPECT_EQ(d.insert(bits(-0.0)), 2u);  // -0.0 keeps its sign: a distinct entry
  EXPECT_EQ(d.insert(bits(1.5)), 0u);
  EXPECT_EQ(d.insert(bits(std::numeric_limits<double>::quiet_NaN())), 3u);
  EXPECT_EQ(d.insert(bits(std::numeric_limits<double>::quiet_NaN())), 3u);
  EXPECT_EQ(d.insert(bits(0.0)), 1u);
  EXPECT_EQ(d.size(), 4u);
  EXPECT_EQ(d.entries()[2], 0x8000000000000000ull);
}

TEST(ValueDictionary, GrowsAndClearsKeepingEveryIndex) {
  ValueDictionary d;
  for (int round = 0; round < 2; ++round) {
    // 5000 entries force several doublings past the initial 1024 slots; values that collide in
    // the low bits (multiples of 2^32) must still be told apart.
    for (uint64_t i = 0; i < 5000; ++i) ASSERT_EQ(d.insert(i << 32), i);
    for (uint64_t i = 0; i < 5000; ++i) ASSERT_EQ(d.insert(i << 32), i);
    EXPECT_EQ(d.size(), 5000u);
    d.clear();
    EXPECT_EQ(d.size(), 0u);
  }
}

TEST(ParquetWriter, FewDistinctDoublesGetADictionaryPage) {
  Schema schema;
  schema.columns.push_back(column("v", ColumnType::Double, false));
  RowBatch b(schema);
  const double cycle[] = {0.25, -0.0, 0.0, std::numeric_limits<double>::quiet_NaN(), 1e300};
  for (int i = 0; i < 4096; ++i) b.columns[0].append_double(cycle[i % 5]);
  b.rows = 4096;
  const std::string file = write_file(schema, b, Codec::UNCOMPRESSED);
  const ParquetReader r = ParquetReader::from_bytes(file);
  EXPECT_EQ(encodings(r, 0), (std::vector<std::string>{"PLAIN_DICTIONARY"}));
  const ColumnChunkInfo& cc = r.metadata().row_groups[0].columns[0];
  ASSERT_TRUE(cc.dictionary_page_offset.has_value());
  EXPECT_EQ(*cc.dictionary_page_offset, 4);
  // Dictionary page: header (type 2, sizes 40, num_values 5, tagged PLAIN_DICTIONARY like the
  // string dictionaries) + the 5 values in first-seen order, -0.0 and NaN kept bit for bit.
  const std::string dict_header = {0x15, 0x04, 0x15, 0x50, 0x15, 0x50, 0x4C, 0x15, 0x0A, 0x15, 0x04, 0x00, 0x00};
  EXPECT_EQ(file.substr(4, dict_header.size()), dict_header);
  std::string values(40, '\0');
  for (int k = 0; k < 5; ++k) std::memcpy(values.data() + 8 * k, &cycle[k], 8);
  EXPECT_EQ(file.substr(4 + dict_header.size(), 40), values);
  // One data page: a 20-byte header, bit width 3 (1 byte), one bit-packed run of 512 groups
  // (a 2-byte run header, 512 x 3 bytes).
  EXPECT_EQ(cc.total_uncompressed_size, static_cast<int64_t>(dict_header.size()) + 40 + 20 + 1 + 2 + 1536);
  const RowBatch back = r.read_row_group(0);
  ASSERT_EQ(back.rows, 4096u);
  for (size_t i = 0; i < 4096; ++i) ASSERT_EQ(bits(back.columns[0].doubles[i]), bits(cycle[i % 5])) << i;
}

TEST(ParquetWriter, PercentagesCompressSmallerAsADictionary) {
  // Like cpu_percent: values with two decimals picked at random, 1000 distinct in 50,000 rows.
  Schema schema;
  schema.columns.push_back(column("v", ColumnType::Double, false));
  RowBatch b(schema);
  Lcg lcg;
  std::vector<double> expected;
  for (int i = 0; i < 50000; ++i) expected.push_back(static_cast<double>(lcg.next(1000)) / 100);
  for (double v : expected) b.columns[0].append_double(v);
  b.rows = expected.size();
  const std::string file = write_file(schema, b, Codec::ZSTD);
  const ParquetReader r = ParquetReader::from_bytes(file);
  EXPECT_EQ(encodings(r, 0), (std::vector<std::string>{"PLAIN_DICTIONARY"}));
  const RowBatch back = r.read_row_group(0);
  ASSERT_EQ(back.rows, expected.size());
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(back.columns[0].doubles[i], expected[i]) << i;
}

TEST(ParquetWriter, NullableLowCardinalityInt64WithDictionary) {
  Schema schema;
  schema.columns.push_back(column("n", ColumnType::Int64, true));
  RowBatch b(schema);
  Lcg lcg;
  std::vector<int64_t> expected;
  int64_t sum = 0, present = 0;
  for (int i = 0; i < 10000; ++i) {
    if (i % 3 == 0) {
      b.columns[0].append_null();
    } else {
      const int64_t v = static_cast<int64_t>(lcg.next(7)) * 1'000'000'007LL - 3;
      b.columns[0].append_int(v);
      expected.push_back(v);
      sum += v;
      ++present;
    }
  }
  b.rows = 10000;
  const ParquetReader r = ParquetReader::from_bytes(write_file(schema, b, Codec::ZSTD));
  EXPECT_EQ(encodings(r, 0), (std::vector<std::string>{"PLAIN_DICTIONARY", "RLE"}));
  EXPECT_EQ(r.metadata().row_groups[0].columns[0].statistics.null_count, 3334);
  const RowBatch back = r.read_row_group(0);
  int64_t back_sum = 0, back_present = 0;
  for (size_t i = 0; i < back.rows; ++i) {
    ASSERT_EQ(back.columns[0].is_null(i), i % 3 == 0) << i;
    if (!back.columns[0].is_null(i)) {
      ASSERT_EQ(back.columns[0].ints[i], expected.at(static_cast<size_t>(back_present))) << i;
      back_sum += back.columns[0].ints[i];
      ++back_present;
    }
  }
  EXPECT_EQ(back_present, present);
  EXPECT_EQ(back_sum, sum);
}

TEST(ParquetWriter, ManyDistinctNumbersSkipTheDictionary) {
  // All distinct: no dictionary page; under zstd the split byte streams beat PLAIN.
  Schema schema;
  schema.columns.push_back(column("v", ColumnType::Double, false));
  RowBatch b(schema);
  for (int i = 0; i < 4096; ++i) b.columns[0].append_double(i * 0.001);
  b.rows = 4096;
  const ParquetReader r = ParquetReader::from_bytes(write_file(schema, b, Codec::ZSTD));
  EXPECT_EQ(encodings(r, 0), (std::vector<std::string>{"BYTE_STREAM_SPLIT"}));
  EXPECT_FALSE(r.metadata().row_groups[0].columns[0].dictionary_page_offset.has_value());
}

TEST(ParquetWriter, PlainIsKeptWhenItCompressesSmaller) {
  // 1024 random 64-bit integers picked at random, each repeated 4 times: few enough distinct
  // values to try a dictionary, but zstd squeezes the PLAIN repeats below the dictionary page
  // plus its 10-bit indices, and random deltas cost DELTA_BINARY_PACKED more than PLAIN.
  Schema schema;
  schema.columns.push_back(column("n", ColumnType::Int64, false));
  RowBatch b(schema);
  Lcg lcg;
  std::vector<int64_t> pool;
  for (int i = 0; i < 1024; ++i) pool.push_back(static_cast<int64_t>((lcg.next(1u << 31) << 33) ^ lcg.next(1u << 31)));
  std::vector<int64_t> expected;
  while (expected.size() < 65536) expected.insert(expected.end(), 4, pool[lcg.next(1024)]);
  for (int64_t v : expected) b.columns[0].append_int(v);
  b.rows = expected.size();
  const std::string zstd = write_file(schema, b, Codec::ZSTD);
  const ParquetReader r = ParquetReader::from_bytes(zstd);
  EXPECT_EQ(encodings(r, 0), (std::vector<std::string>{"PLAIN"}));
  EXPECT_EQ(r.read_row_group(0).columns[0].ints, expected);
  // Uncompressed, the same chunk is smaller as a dictionary (8 bytes a value vs 10 bits).
  EXPECT_EQ(encodings(ParquetReader::from_bytes(write_file(schema, b, Codec::UNCOMPRESSED)), 0),
            (std::vector<std::string>{"PLAIN_DICTIONARY"}));
}

TEST(ParquetWriter, RepeatedSortedTimestampsPickDeltasOrADictionary) {
  // Sorted timestamps, each repeated 16 times: under zstd the deltas (0, and 1000 every 16th)
  // come out smallest; uncompressed, the dictionary wins: RLE runs of 16 indices (3 bytes a run,
  // 44 KiB with its 32 KiB page) against 10-bit miniblocks (165 bytes a block: 84 KiB).
  Schema schema;
  schema.columns.push_back(column("ts", ColumnType::Timestamp, false));
  RowBatch b(schema);
  for (int i = 0; i < 65536; ++i) b.columns[0].append_int(1'770'000'000'000LL + (i / 16) * 1000);
  b.rows = 65536;
  const ParquetReader r = ParquetReader::from_bytes(write_file(schema, b, Codec::ZSTD));
  EXPECT_EQ(encodings(r, 0), (std::vector<std::string>{"DELTA_BINARY_PACKED"}));
  const RowBatch back = r.read_row_group(0);
  for (size_t i = 0; i < back.rows; ++i)
    ASSERT_EQ(back.columns[0].ints[i], 1'770'000'000'000LL + static_cast<int64_t>(i / 16) * 1000);
  EXPECT_EQ(encodings(ParquetReader::from_bytes(write_file(schema, b, Codec::UNCOMPRESSED)), 0),
            (std::vector<std::string>{"PLAIN_DICTIONARY"}));
}
