// The value encodings written besides PLAIN and dictionaries: BYTE_STREAM_SPLIT (doubles) and
// DELTA_BINARY_PACKED (Int64, Timestamp). The encoders against bytes worked out by hand from
// parquet-format's Encodings.md, the decoders on them and on malformed pages, and the writer's
// trial picking each encoding where it compresses smallest.
#include <gtest/gtest.h>

#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "parquet/byte_stream_split.h"
#include "parquet/compression.h"
#include "parquet/delta_binary_packed.h"
#include "parquet/delta_binary_packed_encoder.h"
#include "parquet/fixed_width_chunk_writer.h"
#include "parquet/parquet_reader.h"
#include "parquet/parquet_writer.h"
#include "util/byte_sink.h"

using namespace aesync;
using namespace aesync::parquet;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

std::string dbp(const std::vector<int64_t>& v) {
  std::string out;
  append_delta_binary_packed(v.data(), v.size(), out);
  return out;
}

std::vector<int64_t> undbp(const std::string& data, size_t n) {
  std::vector<uint64_t> raw;
  const std::string err = DeltaBinaryPackedDecoder(data).decode(n, raw);
  EXPECT_EQ(err, "");
  std::vector<int64_t> out;
  for (uint64_t u : raw) out.push_back(static_cast<int64_t>(u));
  return out;
}

std::string bss(const std::vector<double>& v) {
  std::string out;
  append_byte_stream_split(reinterpret_cast<const uint8_t*>(v.data()), v.size(), 8, out);
  return out;
}

uint64_t bits(double d) { return std::bit_cast<uint64_t>(d); }

// A fixed pseudo-random sequence (an LCG).
struct Lcg {
  uint64_t state = 42;
  uint64_t next(uint64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % n;
  }
  uint64_t next64() {
    const uint64_t hi = next(1ull << 31), lo = next(1ull << 31);
    return (hi << 33) ^ (lo << 2) ^ next(4);
  }
};

ColumnSpec column(const std::string& name, ColumnType type, bool nullable) {
  ColumnSpec c;
  c.name = name;
  c.type = type;
  c.from = *RawColumn::parse(type == ColumnType::Timestamp ? "timestamp"
                             : type == ColumnType::Int64   ? "_sample_interval"
                                                           : "double1");
  if (nullable) c.when = WhenCondition{*RawColumn::parse("blob4"), "resource"};
  return c;
}

std::string write_file(const Schema& schema, const RowBatch& batch, Codec codec, size_t row_group_rows = 1'000'000) {
  WriterOptions opt;
  opt.codec = codec;
  opt.row_group_rows = row_group_rows;
  StringSink sink;
  ParquetWriter w(schema, opt, sink);
  w.append(batch);
  w.close();
  return sink.out;
}

std::vector<std::string> encodings(const ParquetReader& r, size_t group) {
  std::vector<std::string> out;
  for (Encoding e : r.metadata().row_groups.at(group).columns.at(0).encodings) out.push_back(name_of(e));
  return out;
}

// One column of `type` holding `values` (as ints or doubles); returns the file.
RowBatch int_batch(const Schema& schema, const std::vector<int64_t>& values) {
  RowBatch b(schema);
  for (int64_t v : values) b.columns[0].append_int(v);
  b.rows = values.size();
  return b;
}
RowBatch double_batch(const Schema& schema, const std::vector<double>& values) {
  RowBatch b(schema);
  for (double v : values) b.columns[0].append_double(v);
  b.rows = values.size();
  return b;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// BYTE_STREAM_SPLIT

TEST(ByteStreamSplit, EightStreamsOfNBytes) {
  // 1.5 = 0x3FF8000000000000, -0.0 = 0x8000000000000000, quiet NaN 0x7FF8000000000000, 0x0102..08:
  // stream k holds byte k (little-endian) of each value in turn.
  const double odd = std::bit_cast<double>(0x0807060504030201ull);
  const std::string out = bss({1.5, -0.0, std::numeric_limits<double>::quiet_NaN(), odd});
  EXPECT_EQ(out, bytes({0x00, 0x00, 0x00, 0x01,     // stream 0
                        0x00, 0x00, 0x00, 0x02,     // 1
                        0x00, 0x00, 0x00, 0x03,     // 2
                        0x00, 0x00, 0x00, 0x04,     // 3
                        0x00, 0x00, 0x00, 0x05,     // 4
                        0x00, 0x00, 0x00, 0x06,     // 5
                        0xF8, 0x00, 0xF8, 0x07,     // 6: 1.5 and NaN's mantissa tops
                        0x3F, 0x80, 0x7F, 0x08}));  // 7: sign and exponent
  EXPECT_EQ(bss({}), "");
  // 4-byte values (FLOAT, INT32): four streams.
  const uint32_t four[] = {0x04030201u, 0x08070605u};
  std::string out4;
  append_byte_stream_split(reinterpret_cast<const uint8_t*>(four), 2, 4, out4);
  EXPECT_EQ(out4, bytes({0x01, 0x05, 0x02, 0x06, 0x03, 0x07, 0x04, 0x08}));
}

TEST(ByteStreamSplit, NaNPayloadsAndSignedZerosComeBackBitForBit) {
  Schema schema;
  schema.columns.push_back(column("v", ColumnType::Double, true));
  RowBatch b(schema);
  const double nan_payload = std::bit_cast<double>(0x7FF0000000000123ull);
  const double pick[] = {
      -0.0,   0.0, std::numeric_limits<double>::quiet_NaN(), nan_payload, std::numeric_limits<double>::infinity(),
      -1e-310};
  Lcg lcg;
  std::vector<double> expected;  // NaN-safe comparison by bits
  for (int i = 0; i < 20000; ++i) {
    if (i % 7 == 3) {
      b.columns[0].append_null();
      expected.push_back(0);
      continue;
    }
    // Distinct enough to give up the dictionary; integers-as-doubles make BSS the smallest.
    const double v = i % 11 == 0 ? pick[i % 6] : static_cast<double>(lcg.next(1'000'000));
    b.columns[0].append_double(v);
    expected.push_back(v);
  }
  b.rows = 20000;
  const ParquetReader r = ParquetReader::from_bytes(write_file(schema, b, Codec::ZSTD));
  EXPECT_EQ(encodings(r, 0), (std::vector<std::string>{"BYTE_STREAM_SPLIT", "RLE"}));
  const RowBatch back = r.read_row_group(0);
  ASSERT_EQ(back.rows, 20000u);
  for (size_t i = 0; i < back.rows; ++i) {
    ASSERT_EQ(back.columns[0].is_null(i), i % 7 == 3) << i;
    if (!back.columns[0].is_null(i)) {
      ASSERT_EQ(bits(back.columns[0].doubles[i]), bits(expected[i])) << i;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// DELTA_BINARY_PACKED

TEST(DeltaBinaryPacked, HeaderAloneForOneValueAndNone) {
  // <block size 128 = 0x80 0x01> <4 miniblocks> <count> <first value, zigzag>.
  EXPECT_EQ(dbp({7}), bytes({0x80, 0x01, 0x04, 0x01, 0x0E}));
  EXPECT_EQ(dbp({-1}), bytes({0x80, 0x01, 0x04, 0x01, 0x01}));
  EXPECT_EQ(dbp({}), bytes({0x80, 0x01, 0x04, 0x00, 0x00}));
  EXPECT_EQ(undbp(dbp({7}), 1), (std::vector<int64_t>{7}));
  EXPECT_EQ(undbp(dbp({}), 0), (std::vector<int64_t>{}));
}

TEST(DeltaBinaryPacked, SpecExampleWithNegativeDeltas) {
  // Encodings.md's example 7, 5, 3, 1, 2, 3, 4, 5: deltas -2 -2 -2 1 1 1 1, min delta -2 (zigzag
  // 3), relative deltas 0 0 0 3 3 3 3 at 2 bits in the first miniblock, padded with zeros to 32
  // values (8 bytes); the other three miniblocks unused: bit width 0, no bytes.
  const std::string out = dbp({7, 5, 3, 1, 2, 3, 4, 5});
  EXPECT_EQ(out, bytes({0x80, 0x01, 0x04, 0x08, 0x0E,  // header: 8 values, first 7
                        0x03,                          // min delta -2
                        0x02, 0x00, 0x00, 0x00,        // bit widths
                        0xC0,                          // 0 | 0 << 2 | 0 << 4 | 3 << 6
                        0x3F,                          // 3 | 3 << 2 | 3 << 4 | 0 (padding)
                        0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(undbp(out, 8), (std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
}

TEST(DeltaBinaryPacked, ExactlyOneBlockAndOneMore) {
  // 128 values: 127 deltas of 3 in one block, every bit width 0.
  std::vector<int64_t> v;
  for (int64_t i = 0; i < 128; ++i) v.push_back(i * 3);
  EXPECT_EQ(dbp(v), bytes({0x80, 0x01, 0x04, 0x80, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00}));
  // 129 values: 128 deltas alternating 0, 1 fill one block exactly: min delta 0, four
  // miniblocks of 1 bit, each 32 bits 0,1,0,1... = 0xAA x 4.
  v.assign(1, 5);
  for (int i = 0; i < 128; ++i) v.push_back(v.back() + i % 2);
  std::string want = bytes({0x80, 0x01, 0x04, 0x81, 0x01, 0x0A, 0x00, 0x01, 0x01, 0x01, 0x01});
  want.append(16, static_cast<char>(0xAA));
  EXPECT_EQ(dbp(v), want);
  EXPECT_EQ(undbp(want, 129), v);
  // 131 values: a second block of 2 deltas, -5 and +7: min delta -5 (zigzag 9), relative 0 and
  // 12 at 4 bits in a miniblock padded to 32 values (16 bytes), three unused miniblocks.
  v.push_back(v.back() - 5);
  v.push_back(v.back() + 7);
  want += bytes({0x09, 0x04, 0x00, 0x00, 0x00, 0xC0});
  want.append(15, '\0');
  want[3] = static_cast<char>(0x83);  // 131 values
  EXPECT_EQ(dbp(v), want);
  EXPECT_EQ(undbp(want, 131), v);
}

TEST(DeltaBinaryPacked, DeltasWrapInSixtyFourBits) {
  // INT64_MAX - INT64_MIN wraps to -1: min delta -1 (zigzag 1), bit width 0. The first value
  // INT64_MIN is zigzag 2^64 - 1: ten ULEB128 bytes.
  const std::vector<int64_t> v = {INT64_MIN, INT64_MAX};
  EXPECT_EQ(dbp(v), bytes({0x80, 0x01, 0x04, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x01,
                           0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(undbp(dbp(v), 2), v);
  // Deltas INT64_MAX and -INT64_MAX: relative deltas up to 2^64 - 2, a 64-bit miniblock (256 bytes).
  const std::vector<int64_t> w = {0, INT64_MAX, 0};
  const std::string out = dbp(w);
  EXPECT_EQ(out.size(), 5u + 10 + 4 + 256);
  EXPECT_EQ(out.substr(15, 4), bytes({64, 0, 0, 0}));
  EXPECT_EQ(undbp(out, 3), w);
}

TEST(DeltaBinaryPacked, RoundTripsEveryLengthAndWidth) {
  Lcg lcg;
  for (size_t n : {2, 31, 32, 33, 127, 128, 129, 130, 255, 256, 257, 1000}) {
    for (unsigned width : {1u, 7u, 13u, 31u, 33u, 63u, 64u}) {
      std::vector<int64_t> v;
      int64_t x = static_cast<int64_t>(lcg.next64());
      for (size_t i = 0; i < n; ++i) {
        const uint64_t step = width == 64 ? lcg.next64() : lcg.next64() & ((uint64_t{1} << width) - 1);
        x = static_cast<int64_t>(static_cast<uint64_t>(x) + step);
        v.push_back(x);
      }
      ASSERT_EQ(undbp(dbp(v), n), v) << n << " values, steps of " << width << " bits";
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The writer's trial

TEST(ValueEncodingTrial, IntegersAsDoublesPickByteStreamSplit) {
  Schema schema;
  schema.columns.push_back(column("v", ColumnType::Double, false));
  Lcg lcg;
  std::vector<double> v;
  for (int i = 0; i < 50000; ++i) v.push_back(static_cast<double>(lcg.next(1'000'000)));
  const std::string file = write_file(schema, double_batch(schema, v), Codec::ZSTD);
  const ParquetReader r = ParquetReader::from_bytes(file);
  EXPECT_EQ(encodings(r, 0), (std::vector<std::string>{"BYTE_STREAM_SPLIT"}));
  EXPECT_EQ(r.read_row_group(0).columns[0].doubles, v);
}

TEST(ValueEncodingTrial, UncompressedDoublesKeepPlainOnATie) {
  // BYTE_STREAM_SPLIT only reorders bytes: without a codec it saves nothing, and ties keep PLAIN.
  Schema schema;
  schema.columns.push_back(column("v", ColumnType::Double, false));
  std::vector<double> v;
  for (int i = 0; i < 4096; ++i) v.push_back(i * 0.001);
  const ParquetReader r = ParquetReader::from_bytes(write_file(schema, double_batch(schema, v), Codec::UNCOMPRESSED));
  EXPECT_EQ(encodings(r, 0), (std::vector<std::string>{"PLAIN"}));
}

TEST(ValueEncodingTrial, SortedTimestampsWithIrregularGapsPickDeltas) {
  // Like AE's timestamp column: milliseconds, sorted, 0..49 ms apart.
  Schema schema;
  schema.columns.push_back(column("ts", ColumnType::Timestamp, false));
  Lcg lcg;
  std::vector<int64_t> v{1'770'000'000'000LL};
  for (int i = 1; i < 65536; ++i) v.push_back(v.back() + static_cast<int64_t>(lcg.next(50)));
  for (Codec codec : {Codec::ZSTD, Codec::SNAPPY, Codec::GZIP, Codec::UNCOMPRESSED}) {
    const ParquetReader r = ParquetReader::from_bytes(write_file(schema, int_batch(schema, v), codec));
    EXPECT_EQ(encodings(r, 0), (std::vector<std::string>{"DELTA_BINARY_PACKED"})) << codec_name(codec);
    EXPECT_EQ(r.read_row_group(0).columns[0].ints, v) << codec_name(codec);
  }
}

TEST(ValueEncodingTrial, RandomIntegersKeepPlain) {
  // Full-range random integers: 64-bit deltas cost more than the values.
  Schema schema;
  schema.columns.push_back(column("n", ColumnType::Int64, false));
  Lcg lcg;
  std::vector<int64_t> v;
  for (int i = 0; i < 10000; ++i) v.push_back(static_cast<int64_t>(lcg.next64()));
  const ParquetReader r = ParquetReader::from_bytes(write_file(schema, int_batch(schema, v), Codec::ZSTD));
  EXPECT_EQ(encodings(r, 0), (std::vector<std::string>{"PLAIN"}));
  EXPECT_EQ(r.read_row_group(0).columns[0].ints, v);
}

TEST(ValueEncodingTrial, TheWinnerIsCarriedToTheNextRowGroups) {
  // Row groups of 4096 rows: a trial in group 0 (BYTE_STREAM_SPLIT wins), the winner alone in
  // groups 1..7, a trial again in group 8, where the values turned to 5 thirds picked at random:
  // a dictionary (2.3 bits of entropy a value, in every one of the eight split streams).
  Schema schema;
  schema.columns.push_back(column("v", ColumnType::Double, true));
  Lcg lcg;
  std::vector<double> v;
  const size_t rows = 4096 * 9;
  for (size_t i = 0; i < rows; ++i)
    v.push_back(i < 4096 * 8 ? static_cast<double>(lcg.next(1'000'000)) : static_cast<double>(lcg.next(5)) / 3);
  RowBatch b(schema);
  for (size_t i = 0; i < rows; ++i) {
    if (i % 100 == 0)
      b.columns[0].append_null();
    else
      b.columns[0].append_double(v[i]);
  }
  b.rows = rows;
  const ParquetReader r = ParquetReader::from_bytes(write_file(schema, b, Codec::ZSTD, 4096));
  ASSERT_EQ(r.metadata().row_groups.size(), 9u);
  for (size_t g = 0; g < 8; ++g)
    EXPECT_EQ(encodings(r, g), (std::vector<std::string>{"BYTE_STREAM_SPLIT", "RLE"})) << g;
  EXPECT_EQ(encodings(r, 8), (std::vector<std::string>{"PLAIN_DICTIONARY", "RLE"}));
  for (size_t g = 0; g < 9; ++g) {
    const RowBatch back = r.read_row_group(g);
    for (size_t k = 0; k < back.rows; ++k) {
      const size_t i = g * 4096 + k;
      ASSERT_EQ(back.columns[0].is_null(k), i % 100 == 0) << i;
      if (i % 100 != 0) {
        ASSERT_EQ(back.columns[0].doubles[k], v[i]) << i;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// zstd levels raised where they pay (column_chunk_writer.cpp: zstd_min_level)

namespace {

// The `size` bytes of `file` that end at offset `end` (a page's compressed body ends its page).
std::string page_tail(const std::string& file, int64_t end, size_t size) {
  return file.substr(static_cast<size_t>(end) - size, size);
}

}  // namespace

TEST(ZstdLevels, NumberDictionaryPagesAtLevelTwoDeltaPagesAtThree) {
  Schema schema;
  schema.columns.push_back(column("v", ColumnType::Double, false));
  schema.columns.push_back(column("ts", ColumnType::Timestamp, false));
  Lcg lcg;
  std::vector<double> pool;
  for (int i = 0; i < 3000; ++i) pool.push_back(static_cast<double>(lcg.next(1'000'000'000)) / 7);
  RowBatch b(schema);
  std::string dictionary;  // first-seen order, PLAIN
  std::vector<bool> seen(pool.size());
  std::vector<int64_t> ts{1'770'000'000'000LL};
  for (int i = 0; i < 20000; ++i) {
    const size_t k = lcg.next(pool.size());
    if (!seen[k]) {
      dictionary.append(reinterpret_cast<const char*>(&pool[k]), 8);
      seen[k] = true;
    }
    b.columns[0].append_double(pool[k]);
    if (i > 0) ts.push_back(ts.back() + static_cast<int64_t>(lcg.next(50)));
    b.columns[1].append_int(ts.back());
  }
  b.rows = 20000;
  std::string deltas;
  append_delta_binary_packed(ts.data(), ts.size(), deltas);
  for (int level : {1, 5}) {
    WriterOptions opt;
    opt.codec = Codec::ZSTD;
    opt.compression_level = level;
    StringSink sink;
    ParquetWriter w(schema, opt, sink);
    w.write_row_group(b);
    w.close();
    const ParquetReader r = ParquetReader::from_bytes(sink.out);
    const ColumnChunkInfo& v = r.metadata().row_groups[0].columns[0];
    const ColumnChunkInfo& t = r.metadata().row_groups[0].columns[1];
    ASSERT_EQ(encodings(r, 0), (std::vector<std::string>{"PLAIN_DICTIONARY"}));
    ASSERT_EQ(name_of(t.encodings.at(0)), "DELTA_BINARY_PACKED");
    // The dictionary page ends where the data pages start; the timestamp chunk is one page.
    std::string want, other;
    compress(Codec::ZSTD, std::max(level, 2), dictionary, want);
    compress(Codec::ZSTD, level == 1 ? 1 : 2, dictionary, other);
    EXPECT_NE(want, other) << "the levels must make a difference for the test to mean something";
    EXPECT_EQ(page_tail(sink.out, v.data_page_offset, want.size()), want) << level;
    compress(Codec::ZSTD, std::max(level, 3), deltas, want);
    compress(Codec::ZSTD, level == 1 ? 1 : 3, deltas, other);
    EXPECT_NE(want, other);
    EXPECT_EQ(page_tail(sink.out, t.data_page_offset + t.total_compressed_size, want.size()), want) << level;
    EXPECT_EQ(r.read_row_group(0).columns[1].ints, ts);
  }
}

TEST(ValueEncodingTrial, AClearLoserLeavesTheTrialAfterABatch) {
  // Rising integers, a trial of 4 batches: after the first, PLAIN (80,000 bytes a batch before
  // zstd) is far larger than the deltas (a 401-byte body: 79 blocks of a min delta and four 0
  // bit widths) and is no longer encoded or held; the chunk comes out DELTA_BINARY_PACKED.
  const LeafColumn leaf{"n", ColumnType::Int64, false};
  WriterOptions opt;
  opt.codec = Codec::ZSTD;
  FixedWidthChunkWriter<int64_t> w(leaf, opt);
  PageScratch s(opt.codec, opt.compression_level);
  Schema schema;
  schema.columns.push_back(column("n", ColumnType::Int64, false));
  std::vector<int64_t> v;
  for (int batch = 0; batch < 4; ++batch) {
    RowBatch b(schema);
    for (int i = 0; i < 10000; ++i) {
      v.push_back(static_cast<int64_t>(v.size()) * 3);
      b.columns[0].append_int(v.back());
    }
    w.encode(b.columns[0], 0, 10000, s);
    EXPECT_LT(w.buffered_bytes(), 200u * static_cast<size_t>(batch + 1)) << batch;
  }
  StringSink sink;
  FileOutput out(sink);
  const ColumnChunkMeta meta = w.write(out, s);
  EXPECT_EQ(meta.encodings, kEncDeltaBinaryPacked);
  EXPECT_EQ(meta.num_values, 40000);
  EXPECT_EQ(static_cast<uint64_t>(meta.total_compressed_size), sink.out.size());
  EXPECT_EQ(w.buffered_bytes(), 0u);
}
