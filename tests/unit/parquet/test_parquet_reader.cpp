// ParquetReader on files built by hand in this test (a tiny Thrift compact encoder and page
// builder written from parquet.thrift, independent of aesync's writer), on malformed variants
// of them, and on two small files from other writers (tests/data/parquet).
#include <gtest/gtest.h>

#include <snappy.h>
#include <zstd.h>
#include <bit>

#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hand_built_parquet.h"
#include "parquet/parquet_reader.h"
#include "util/error.h"

namespace aesync::parquet {
namespace {

using namespace handmade;  // NOLINT: the hand-built file helpers

// ---------------------------------------------------------------------------------------------
// Decoding

TEST(ParquetReader, PlainInt64RequiredColumnInTwoPages) {
  TestColumn c;
  c.name = "id";
  c.num_values = 4;
  c.pages = data_page_v1(2, kPlain, le64(1) + le64(static_cast<uint64_t>(-2))) +
            data_page_v1(2, kPlain, le64(uint64_t{1} << 40) + le64(static_cast<uint64_t>(INT64_MIN)));
  c.statistics = [](Thrift& t) { t.bin(5, le64(uint64_t{1} << 40)).bin(6, le64(static_cast<uint64_t>(INT64_MIN))); };
  const std::string file = build_file({c}, 4);
  const ParquetReader r = ParquetReader::from_bytes(file, "t.parquet");

  const FileMetadata& m = r.metadata();
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(m.num_rows, 4);
  EXPECT_EQ(m.created_by, "hand-made test file");
  EXPECT_EQ(m.file_size, file.size());
  EXPECT_FALSE(m.has_column_orders);
  ASSERT_EQ(m.columns.size(), 1u);
  EXPECT_EQ(m.columns[0].name, "id");
  EXPECT_EQ(m.columns[0].type, PhysicalType::INT64);
  EXPECT_EQ(m.columns[0].repetition, Repetition::REQUIRED);
  EXPECT_EQ(m.columns[0].logical_type, "");
  EXPECT_FALSE(m.columns[0].converted_type.has_value());
  ASSERT_EQ(m.row_groups.size(), 1u);
  EXPECT_EQ(m.row_groups[0].num_rows, 4);
  ASSERT_EQ(m.row_groups[0].columns.size(), 1u);
  const ColumnChunkInfo& cc = m.row_groups[0].columns[0];
  EXPECT_EQ(cc.path, "id");
  EXPECT_EQ(cc.codec, Codec::UNCOMPRESSED);
  EXPECT_EQ(cc.encodings, std::vector<Encoding>{Encoding::PLAIN});
  EXPECT_EQ(cc.num_values, 4);
  EXPECT_EQ(cc.data_page_offset, 4);
  EXPECT_FALSE(cc.dictionary_page_offset.has_value());
  EXPECT_EQ(cc.total_compressed_size, static_cast<int64_t>(c.pages.size()));
  EXPECT_EQ(cc.statistics.min_value, le64(static_cast<uint64_t>(INT64_MIN)));
  EXPECT_EQ(cc.statistics.max_value, le64(uint64_t{1} << 40));
  EXPECT_FALSE(cc.statistics.null_count.has_value());
  EXPECT_FALSE(cc.statistics.deprecated_min_max);

  const RowBatch b = r.read_row_group(0);
  EXPECT_EQ(b.rows, 4u);
  ASSERT_EQ(b.columns.size(), 1u);
  EXPECT_EQ(b.columns[0].type, ColumnType::Int64);
  EXPECT_FALSE(b.columns[0].nullable);
  EXPECT_EQ(b.columns[0].ints, (std::vector<int64_t>{1, -2, int64_t{1} << 40, INT64_MIN}));
}

TEST(ParquetReader, OptionalByteArrayWithDictionaryAndDefinitionLevels) {
  TestColumn c;
  c.name = "org_id";
  c.type = kByteArray;
  c.repetition = kOptional;
  c.converted = 0;                                  // UTF8
  c.logical = [](Thrift& t) { t.begin(1).end(); };  // STRING
  c.encodings = {kPlain, kRle, kPlainDictionary};
  c.num_values = 5;
  c.dictionary = dictionary_page(2, plain_string("apple") + plain_string("kiwi"));
  // rows: kiwi, NULL, apple, kiwi, NULL -> levels 1 0 1 1 0, indices 1 0 1 (bit width 1)
  c.pages = data_page_v1(5, kPlainDictionary, v1_levels({1, 0, 1, 1, 0}) + bytes({1, 0x03, 0x05}));
  c.statistics = [](Thrift& t) { t.i64(3, 2).bin(5, "kiwi").bin(6, "apple"); };
  const ParquetReader r = ParquetReader::from_bytes(build_file({c}, 5));

  const FileMetadata& m = r.metadata();
  EXPECT_EQ(m.columns[0].repetition, Repetition::OPTIONAL);
  EXPECT_EQ(m.columns[0].logical_type, "STRING");
  EXPECT_EQ(m.columns[0].converted_type, ConvertedType::UTF8);
  const ColumnChunkInfo& cc = m.row_groups[0].columns[0];
  EXPECT_EQ(cc.dictionary_page_offset, 4);
  EXPECT_EQ(cc.data_page_offset, 4 + static_cast<int64_t>(c.dictionary.size()));
  EXPECT_EQ(cc.encodings, (std::vector<Encoding>{Encoding::PLAIN, Encoding::RLE, Encoding::PLAIN_DICTIONARY}));
  EXPECT_EQ(cc.statistics.min_value, "apple");
  EXPECT_EQ(cc.statistics.max_value, "kiwi");
  EXPECT_EQ(cc.statistics.null_count, 2);

  const RowBatch b = r.read_row_group(0);
  const ColumnBuffer& col = b.columns[0];
  EXPECT_EQ(col.type, ColumnType::String);
  ASSERT_TRUE(col.nullable);
  ASSERT_EQ(col.size(), 5u);
  EXPECT_EQ(col.defined, (std::vector<uint8_t>{1, 0, 1, 1, 0}));
  EXPECT_EQ(col.string_at(0), "kiwi");
  EXPECT_EQ(col.string_at(1), "");
  EXPECT_EQ(col.string_at(2), "apple");
  EXPECT_EQ(col.string_at(3), "kiwi");
  EXPECT_EQ(col.string_at(4), "");
}

TEST(ParquetReader, UncompressedDataPageV2) {
  // The chunk's codec is ZSTD, but the page says is_compressed = false: its values are stored
  // as they are. Levels (no length prefix in v2) precede them.
  TestColumn c;
  c.name = "value";
  c.type = kDouble;
  c.repetition = kOptional;
  c.codec = 6;  // ZSTD
  c.num_values = 4;
  const std::string values = f64(1.5) + f64(-0.25) + f64(1e300);
  c.pages = data_page_v2(4, 1, kPlain, bitpacked_levels({1, 0, 1, 1}), values, values.size(), false);
  const ParquetReader r = ParquetReader::from_bytes(build_file({c}, 4));
  const RowBatch b = r.read_row_group(0);
  const ColumnBuffer& col = b.columns[0];
  EXPECT_EQ(col.type, ColumnType::Double);
  EXPECT_EQ(col.defined, (std::vector<uint8_t>{1, 0, 1, 1}));
  EXPECT_EQ(col.doubles, (std::vector<double>{1.5, 0, -0.25, 1e300}));
}

TEST(ParquetReader, CompressedPagesV1AndV2) {
  // A ZSTD chunk of two pages: v1 (all of the body compressed) and v2 (levels left as they are,
  // values compressed), decoded with the shared decompressor.
  const auto zstd = [](const std::string& in) {
    std::string out(ZSTD_compressBound(in.size()), '\0');
    out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3));
    return out;
  };
  TestColumn c;
  c.name = "name";
  c.type = kByteArray;
  c.repetition = kOptional;
  c.codec = 6;
  c.num_values = 5;
  const std::string v1_body = v1_levels({1, 1, 0}) + plain_string("alpha") + plain_string("beta");
  const std::string v2_values = plain_string(std::string(300, 'z'));
  c.pages = data_page_v1(3, kPlain, zstd(v1_body), v1_body.size()) +
            data_page_v2(2, 1, kPlain, bitpacked_levels({0, 1}), zstd(v2_values), v2_values.size(), true);
  const RowBatch b = ParquetReader::from_bytes(build_file({c}, 5)).read_row_group(0);
  const ColumnBuffer& col = b.columns[0];
  ASSERT_EQ(col.size(), 5u);
  EXPECT_EQ(col.defined, (std::vector<uint8_t>{1, 1, 0, 0, 1}));
  EXPECT_EQ(col.string_at(0), "alpha");
  EXPECT_EQ(col.string_at(1), "beta");
  EXPECT_EQ(col.string_at(4), std::string(300, 'z'));

  // The same v1 page with SNAPPY.
  TestColumn s = c;
  s.codec = 1;
  s.num_values = 3;
  std::string snappy_body;
  snappy::Compress(v1_body.data(), v1_body.size(), &snappy_body);
  s.pages = data_page_v1(3, kPlain, snappy_body, v1_body.size());
  const RowBatch sb = ParquetReader::from_bytes(build_file({s}, 3)).read_row_group(0);
  EXPECT_EQ(sb.columns[0].string_at(1), "beta");
}

TEST(ParquetReader, TimestampsIntegersBooleansFloats) {
  TestColumn ts_us;  // TIMESTAMP(MICROS, UTC): floored to milliseconds, also before the epoch
  ts_us.name = "ts_us";
  ts_us.logical = [](Thrift& t) { t.begin(8).boolean(1, true).begin(2).begin(2).end().end().end(); };
  ts_us.num_values = 3;
  ts_us.pages = data_page_v1(3, kPlain, le64(1767225600123456) + le64(static_cast<uint64_t>(-1)) + le64(999));
  TestColumn ts_ns;  // TIMESTAMP(NANOS, local)
  ts_ns.name = "ts_ns";
  ts_ns.logical = [](Thrift& t) { t.begin(8).boolean(1, false).begin(2).begin(3).end().end().end(); };
  ts_ns.num_values = 3;
  ts_ns.pages = data_page_v1(3, kPlain, le64(1'500'000'000) + le64(static_cast<uint64_t>(-1'500'000)) + le64(0));
  TestColumn ts_ms;  // only the old ConvertedType TIMESTAMP_MILLIS
  ts_ms.name = "ts_ms";
  ts_ms.converted = 9;
  ts_ms.num_values = 3;
  ts_ms.pages = data_page_v1(3, kPlain, le64(1) + le64(2) + le64(3));
  TestColumn i32;  // INT32, dictionary-encoded (RLE_DICTIONARY) with an RLE run
  i32.name = "i32";
  i32.type = kInt32;
  i32.encodings = {kPlain, kRleDictionary};
  i32.num_values = 3;
  i32.dictionary = dictionary_page(2, le32(static_cast<uint32_t>(-7)) + le32(123456));
  i32.pages = data_page_v1(3, kRleDictionary, bytes({1, 0x06, 0x01}));  // bit width 1, RLE 3 x index 1
  TestColumn u32;                                                       // INTEGER(32, unsigned)
  u32.name = "u32";
  u32.type = kInt32;
  u32.logical = [](Thrift& t) { t.begin(10).i8(1, 32).boolean(2, false).end(); };
  u32.num_values = 3;
  u32.pages = data_page_v1(3, kPlain, le32(0xffffffff) + le32(0) + le32(0x80000000));
  TestColumn flag;
  flag.name = "flag";
  flag.type = kBoolean;
  flag.repetition = kOptional;
  flag.num_values = 3;
  flag.pages = data_page_v1(3, kPlain, v1_levels({1, 0, 1}) + bytes({0x01}));  // true, NULL, false
  TestColumn ratio;
  ratio.name = "ratio";
  ratio.type = kFloat;
  ratio.num_values = 3;
  ratio.pages = data_page_v1(3, kPlain, f32(0.5f) + f32(-3.25f) + f32(0.1f));
  TestColumn rle_bool;  // booleans as v2 writers send them: RLE with a 4-byte length
  rle_bool.name = "rle_bool";
  rle_bool.type = kBoolean;
  rle_bool.num_values = 3;
  rle_bool.pages = data_page_v1(3, kRle, le32(2) + bytes({0x03, 0x06}));  // bit-packed 0,1,1

  const ParquetReader r =
      ParquetReader::from_bytes(build_file({ts_us, ts_ns, ts_ms, i32, u32, flag, ratio, rle_bool}, 3));
  const FileMetadata& m = r.metadata();
  EXPECT_EQ(m.columns[0].logical_type, "TIMESTAMP(MICROS,UTC)");
  EXPECT_EQ(m.columns[0].timestamp_unit, TimeUnit::MICROS);
  EXPECT_EQ(m.columns[1].logical_type, "TIMESTAMP(NANOS,local)");
  EXPECT_EQ(m.columns[2].logical_type, "");
  EXPECT_EQ(m.columns[2].converted_type, ConvertedType::TIMESTAMP_MILLIS);
  EXPECT_EQ(m.columns[2].timestamp_unit, TimeUnit::MILLIS);
  EXPECT_EQ(m.columns[4].logical_type, "INTEGER(32,unsigned)");
  EXPECT_TRUE(m.columns[4].is_unsigned);

  const RowBatch b = r.read_row_group(0);
  EXPECT_EQ(b.columns[0].type, ColumnType::Timestamp);
  EXPECT_EQ(b.columns[0].ints, (std::vector<int64_t>{1767225600123, -1, 0}));
  EXPECT_EQ(b.columns[1].type, ColumnType::Timestamp);
  EXPECT_EQ(b.columns[1].ints, (std::vector<int64_t>{1500, -2, 0}));
  EXPECT_EQ(b.columns[2].ints, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(b.columns[3].type, ColumnType::Int64);
  EXPECT_EQ(b.columns[3].ints, (std::vector<int64_t>{123456, 123456, 123456}));
  EXPECT_EQ(b.columns[4].ints, (std::vector<int64_t>{4294967295, 0, 2147483648}));
  EXPECT_EQ(b.columns[5].type, ColumnType::Int64);
  EXPECT_EQ(b.columns[5].defined, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(b.columns[5].ints, (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(b.columns[6].type, ColumnType::Double);
  EXPECT_EQ(b.columns[6].doubles, (std::vector<double>{0.5, -3.25, static_cast<double>(0.1f)}));
  EXPECT_EQ(b.columns[7].ints, (std::vector<int64_t>{0, 1, 1}));
}

TEST(ParquetReader, DeltaBinaryPackedIntegers) {
  // Encodings.md's example 7, 5, 3, 1, 2, 3, 4, 5: block 128, 4 miniblocks, 8 values, first 7;
  // min delta -2, miniblock bit widths 2 0 0 0, relative deltas 0 0 0 3 3 3 3 (padded to 32).
  TestColumn c;
  c.name = "n";
  c.num_values = 8;
  c.encodings = {kDeltaBinaryPacked};
  std::string body = bytes({0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 0x02, 0x00, 0x00, 0x00, 0xc0, 0x3f});
  body.append(6, '\0');
  c.pages = data_page_v1(8, kDeltaBinaryPacked, body);
  const RowBatch b = ParquetReader::from_bytes(build_file({c}, 8)).read_row_group(0);
  EXPECT_EQ(b.columns[0].ints, (std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
}

TEST(ParquetReader, ByteStreamSplitOfEveryFixedWidthType) {
  // DOUBLE, OPTIONAL: 1.5, NULL, -0.0, NaN -> three values in 8 streams of 3 bytes.
  TestColumn d;
  d.name = "d";
  d.type = kDouble;
  d.repetition = kOptional;
  d.num_values = 4;
  d.encodings = {kByteStreamSplit, kRle};
  d.pages = data_page_v1(4, kByteStreamSplit,
                         v1_levels({1, 0, 1, 1}) + bytes({0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0,  // streams 0-3
                                                          0,    0,    0,    0, 0, 0,                    // 4, 5
                                                          0xF8, 0x00, 0xF8,                             // 6
                                                          0x3F, 0x80, 0x7F}));                          // 7
  // FLOAT: 0.5f = 0x3F000000, -2.0f = 0xC0000000 -> 4 streams of 2 bytes.
  TestColumn f;
  f.name = "f";
  f.type = kFloat;
  f.num_values = 2;
  f.pages = data_page_v1(2, kByteStreamSplit, bytes({0, 0, 0, 0, 0, 0, 0x3F, 0xC0}));
  // INT32: 0x04030201, -1; INT64: 0x0807060504030201, -2.
  TestColumn i32;
  i32.name = "i32";
  i32.type = kInt32;
  i32.num_values = 2;
  i32.pages = data_page_v1(2, kByteStreamSplit, bytes({0x01, 0xFF, 0x02, 0xFF, 0x03, 0xFF, 0x04, 0xFF}));
  TestColumn i64;
  i64.name = "i64";
  i64.num_values = 2;
  i64.pages = data_page_v1(
      2, kByteStreamSplit,
      bytes({0x01, 0xFE, 0x02, 0xFF, 0x03, 0xFF, 0x04, 0xFF, 0x05, 0xFF, 0x06, 0xFF, 0x07, 0xFF, 0x08, 0xFF}));
  const RowBatch a = ParquetReader::from_bytes(build_file({d}, 4)).read_row_group(0);
  ASSERT_EQ(a.columns[0].size(), 4u);
  EXPECT_EQ(a.columns[0].defined, (std::vector<uint8_t>{1, 0, 1, 1}));
  EXPECT_EQ(a.columns[0].doubles[0], 1.5);
  EXPECT_EQ(std::bit_cast<uint64_t>(a.columns[0].doubles[2]), 0x8000000000000000ull);
  EXPECT_EQ(std::bit_cast<uint64_t>(a.columns[0].doubles[3]), 0x7FF8000000000000ull);
  const RowBatch b = ParquetReader::from_bytes(build_file({f, i32, i64}, 2)).read_row_group(0);
  EXPECT_EQ(b.columns[0].doubles, (std::vector<double>{0.5, -2.0}));
  EXPECT_EQ(b.columns[1].ints, (std::vector<int64_t>{0x04030201, -1}));
  EXPECT_EQ(b.columns[2].ints, (std::vector<int64_t>{0x0807060504030201, -2}));
}

TEST(ParquetReader, MalformedByteStreamSplitPagesNameThePage) {
  const auto read_error = [](TestColumn c) {
    return error_of([&] { ParquetReader::from_bytes(build_file({c}, 2), "t.parquet").read_row_group(0); });
  };
  TestColumn c;
  c.name = "d";
  c.type = kDouble;
  c.num_values = 2;
  // Not a whole number of values.
  c.pages = data_page_v1(2, kByteStreamSplit, std::string(17, '\0'));
  EXPECT_EQ(read_error(c),
            "t.parquet: row group 0, column 'd', page at byte offset 4: BYTE_STREAM_SPLIT data of 17 bytes is not "
            "a multiple of the 8-byte value width");
  // Fewer values than the page needs (and none at all).
  c.pages = data_page_v1(2, kByteStreamSplit, std::string(8, '\0'));
  EXPECT_EQ(read_error(c),
            "t.parquet: row group 0, column 'd', page at byte offset 4: BYTE_STREAM_SPLIT data holds 1 values, the "
            "page needs 2");
  c.pages = data_page_v1(2, kByteStreamSplit, "");
  EXPECT_EQ(read_error(c),
            "t.parquet: row group 0, column 'd', page at byte offset 4: BYTE_STREAM_SPLIT data holds 0 values, the "
            "page needs 2");
  // Not a fixed-width type.
  c.type = kByteArray;
  c.pages = data_page_v1(2, kByteStreamSplit, std::string(16, '\0'));
  EXPECT_EQ(read_error(c),
            "t.parquet: row group 0, column 'd', page at byte offset 4: BYTE_STREAM_SPLIT is only supported for "
            "FLOAT, DOUBLE, INT32, INT64 and FIXED_LEN_BYTE_ARRAY values");
  // Longer streams than needed are read at their own stride: 2 values of 3 in each stream.
  c.type = kInt64;
  std::string body;
  for (int k = 0; k < 8; ++k) body += bytes({k + 1, 0x10 + k, 0x77});
  c.pages = data_page_v1(2, kByteStreamSplit, body);
  EXPECT_EQ(ParquetReader::from_bytes(build_file({c}, 2)).read_row_group(0).columns[0].ints,
            (std::vector<int64_t>{0x0807060504030201, 0x1716151413121110}));
}

TEST(ParquetReader, MalformedDeltaBinaryPackedPagesNameThePage) {
  const auto read_error = [](const std::string& body) {
    TestColumn c;
    c.name = "n";
    c.num_values = 3;
    c.encodings = {kDeltaBinaryPacked};
    c.pages = data_page_v1(3, kDeltaBinaryPacked, body);
    return error_of([&] { ParquetReader::from_bytes(build_file({c}, 3), "t.parquet").read_row_group(0); });
  };
  const std::string where = "t.parquet: row group 0, column 'n', page at byte offset 4: DELTA_BINARY_PACKED: ";
  EXPECT_EQ(read_error(bytes({0x80, 0x01, 0x04})), where + "truncated header");
  EXPECT_EQ(read_error(bytes({0x80, 0x01, 0x04, 0x03, 0x80})), where + "truncated header");
  EXPECT_EQ(read_error(bytes({0x40, 0x04, 0x03, 0x00})), where + "invalid block size 64 / miniblocks 4");
  EXPECT_EQ(read_error(bytes({0x80, 0x01, 0x08, 0x03, 0x00})), where + "invalid block size 128 / miniblocks 8");
  EXPECT_EQ(read_error(bytes({0x80, 0x01, 0x00, 0x03, 0x00})), where + "invalid block size 128 / miniblocks 0");
  EXPECT_EQ(read_error(bytes({0x80, 0x01, 0x04, 0x02, 0x00})), where + "holds 2 values, the page needs 3");
  EXPECT_EQ(read_error(bytes({0x80, 0x01, 0x04, 0x03, 0x00})), where + "truncated block header");
  EXPECT_EQ(read_error(bytes({0x80, 0x01, 0x04, 0x03, 0x00, 0x02, 0x00, 0x00})),
            where + "truncated miniblock bit widths");
  EXPECT_EQ(read_error(bytes({0x80, 0x01, 0x04, 0x03, 0x00, 0x02, 65, 0, 0, 0})),
            where + "miniblock bit width 65 exceeds 64");
  // Two deltas of 64 bits need 16 bytes (the padding after them may be missing); 15 are there.
  EXPECT_EQ(read_error(bytes({0x80, 0x01, 0x04, 0x03, 0x00, 0x02, 64, 0, 0, 0}) + std::string(15, '\x01')),
            where + "truncated miniblock");
  // Complete: first value 0, min delta 1 (zigzag 2), relative deltas 5 and 2^64 - 2 (wrapping
  // to a delta of -1).
  TestColumn ok;
  ok.name = "n";
  ok.num_values = 3;
  ok.pages = data_page_v1(3, kDeltaBinaryPacked,
                          bytes({0x80, 0x01, 0x04, 0x03, 0x00, 0x02, 64, 0, 0, 0}) + le64(5) + le64(UINT64_MAX - 1));
  EXPECT_EQ(ParquetReader::from_bytes(build_file({ok}, 3)).read_row_group(0).columns[0].ints,
            (std::vector<int64_t>{0, 6, 5}));
}

TEST(ParquetReader, SkipsFooterFieldsItDoesNotModel) {
  // What other writers add: key_value_metadata, column_orders, encoding_stats, bloom filter and
  // page index offsets, size_statistics, field_id, is_max_value_exact, and a field id from the
  // future holding a map.
  TestColumn c;
  c.name = "id";
  c.num_values = 1;
  c.pages = data_page_v1(1, kPlain, le64(42));
  c.statistics = [](Thrift& t) { t.bin(5, le64(42)).bin(6, le64(42)).boolean(7, true).boolean(8, true); };
  c.extra_meta = [](Thrift& t) {
    t.list(8, kStruct, 1).element_begin().bin(1, "k").bin(2, "v").end();  // key_value_metadata
  };
  c.extra_chunk = [](Thrift& t) {
    t.i64(4, 1000).i32(5, 20).i64(6, 1020).i32(7, 30);  // offset/column index
  };
  TestColumn c2 = c;
  c2.name = "id2";
  c2.extra_meta = [](Thrift& t) {
    t.list(8, kStruct, 0);                                                                   // empty key_value_metadata
    t.header(13, 9).raw(bytes({0x1c})).element_begin().i32(1, 0).i32(2, 0).i32(3, 1).end();  // encoding_stats
    t.i64(14, 5000).i32(15, 64);                                                             // bloom filter
    t.header(16, kStruct);                                                                   // size_statistics
    t.element_begin().i64(1, 8).list(2, kI64, 2).raw_i64(0).raw_i64(1).list(3, kI64, 0).end();
  };
  FileOptions opt;
  opt.extra_file = [](Thrift& t) {
    t.list(5, kStruct, 1).element_begin().bin(1, "ARROW:schema").bin(2, std::string(40, 'x')).end();
    t.list(7, kStruct, 2);  // column_orders: TYPE_ORDER twice
    for (int i = 0; i < 2; ++i) t.element_begin().begin(1).end().end();
    t.header(99, 11).raw(bytes({0x02, 0x85, 0x01, 'a', 0x02, 0x01, 'b', 0x04}));  // map<binary,i32>
    t.header(100, 7).raw(f64(2.5));                                               // double
  };
  opt.schema = [](Thrift& t) {
    t.list(2, kStruct, 3);
    t.element_begin().bin(4, "schema").i32(5, 2).end();
    t.element_begin().i32(1, kInt64).i32(3, kRequired).bin(4, "id").i32(9, 17).end();
    t.element_begin().i32(1, kInt64).i32(3, kRequired).bin(4, "id2").i32(9, 18).end();
  };
  const ParquetReader r = ParquetReader::from_bytes(build_file({c, c2}, 1, opt));
  EXPECT_TRUE(r.metadata().has_column_orders);
  EXPECT_EQ(r.metadata().created_by, "hand-made test file");
  EXPECT_EQ(r.metadata().row_groups[0].columns[1].statistics.max_value, le64(42));
  const RowBatch b = r.read_row_group(0);
  EXPECT_EQ(b.columns[0].ints, std::vector<int64_t>{42});
  EXPECT_EQ(b.columns[1].ints, std::vector<int64_t>{42});
}

TEST(ParquetReader, DeprecatedMinMaxWhenMinValueMaxValueAbsent) {
  TestColumn c;
  c.name = "id";
  c.num_values = 1;
  c.pages = data_page_v1(1, kPlain, le64(5));
  c.statistics = [](Thrift& t) { t.bin(1, le64(9)).bin(2, le64(5)).i64(3, 0).i64(4, 1); };
  const ParquetReader r = ParquetReader::from_bytes(build_file({c}, 1));
  const Statistics& s = r.metadata().row_groups[0].columns[0].statistics;
  EXPECT_EQ(s.min_value, le64(5));
  EXPECT_EQ(s.max_value, le64(9));
  EXPECT_EQ(s.null_count, 0);
  EXPECT_EQ(s.distinct_count, 1);
  EXPECT_TRUE(s.deprecated_min_max);
}

TEST(ParquetReader, EmptyFileHasSchemaAndNoRowGroups) {
  Thrift t;
  t.i32(1, 2).list(2, kStruct, 2);
  t.element_begin().bin(4, "schema").i32(5, 1).end();
  t.element_begin().i32(1, kDouble).i32(3, kOptional).bin(4, "x").end();
  t.i64(3, 0).list(4, kStruct, 0);
  const std::string footer = t.done();
  const ParquetReader r =
      ParquetReader::from_bytes("PAR1" + footer + le32(static_cast<uint32_t>(footer.size())) + "PAR1");
  EXPECT_EQ(r.metadata().num_rows, 0);
  EXPECT_EQ(r.metadata().columns.size(), 1u);
  EXPECT_TRUE(r.metadata().row_groups.empty());
  EXPECT_EQ(r.metadata().created_by, "");
}

// ---------------------------------------------------------------------------------------------
// Refusals and malformed input

TestColumn simple_int64(int64_t n = 2) {
  TestColumn c;
  c.name = "id";
  c.num_values = n;
  std::string body;
  for (int64_t i = 0; i < n; ++i) body += le64(static_cast<uint64_t>(i));
  c.pages = data_page_v1(static_cast<int32_t>(n), kPlain, body);
  return c;
}

TEST(ParquetReader, NestedSchemasAreRefused) {
  FileOptions group;
  group.schema = [](Thrift& t) {
    t.list(2, kStruct, 3);
    t.element_begin().bin(4, "schema").i32(5, 1).end();
    t.element_begin().i32(3, kOptional).bin(4, "address").i32(5, 1).end();
    t.element_begin().i32(1, kInt64).i32(3, kRequired).bin(4, "id").end();
  };
  EXPECT_EQ(error_of([&] { ParquetReader::from_bytes(build_file({simple_int64()}, 2, group), "n.parquet"); }),
            "n.parquet: nested columns are not supported: address");
  FileOptions repeated;
  repeated.schema = [](Thrift& t) {
    t.list(2, kStruct, 2);
    t.element_begin().bin(4, "schema").i32(5, 1).end();
    t.element_begin().i32(1, kInt64).i32(3, kRepeated).bin(4, "tags").end();
  };
  EXPECT_EQ(error_of([&] { ParquetReader::from_bytes(build_file({simple_int64()}, 2, repeated), "n.parquet"); }),
            "n.parquet: nested columns are not supported: tags");
}

TEST(ParquetReader, BadMagic) {
  std::string file = build_file({simple_int64()}, 2);
  std::string head = file;
  head[0] = 'X';
  EXPECT_EQ(error_of([&] { ParquetReader::from_bytes(head, "a.parquet"); }),
            "a.parquet: no PAR1 magic at byte offset 0");
  std::string tail = file;
  tail.back() = 'X';
  EXPECT_EQ(error_of([&] { ParquetReader::from_bytes(tail, "a.parquet"); }),
            "a.parquet: no PAR1 magic at byte offset " + std::to_string(file.size() - 4));
  EXPECT_EQ(error_of([&] { ParquetReader::from_bytes("PAR1PAR1", "a.parquet"); }),
            "a.parquet: file of 8 bytes is too small to be Parquet (needs at least 12)");
}

TEST(ParquetReader, FooterLengthLargerThanFile) {
  std::string file = build_file({simple_int64()}, 2);
  const std::string len = le32(100000);
  file.replace(file.size() - 8, 4, len);
  EXPECT_EQ(error_of([&] { ParquetReader::from_bytes(file, "a.parquet"); }),
            "a.parquet: footer length 100000 (at byte offset " + std::to_string(file.size() - 8) +
                ") does not fit in the file of " + std::to_string(file.size()) + " bytes");
}

TEST(ParquetReader, TruncatedFooter) {
  // The footer length points into the middle of FileMetaData: parsing runs out of bytes.
  std::string file = build_file({simple_int64()}, 2);
  const uint32_t footer_len = [&] {
    uint32_t v;
    std::memcpy(&v, file.data() + file.size() - 8, 4);
    return v;
  }();
  const std::string cut =
      file.substr(0, file.size() - 8 - footer_len) + file.substr(file.size() - 8 - footer_len, 10) + le32(10) + "PAR1";
  // Footer bytes: 15 02 (version), 19 2c (schema list), 48 06 "schema": the name is cut.
  const size_t name_offset = file.size() - 8 - footer_len + 5;
  EXPECT_EQ(error_of([&] { ParquetReader::from_bytes(cut, "a.parquet"); }),
            "a.parquet: footer at byte offset " + std::to_string(name_offset) +
                ": binary length 6 exceeds the remaining 4 bytes");
}

TEST(ParquetReader, TruncatedPage) {
  // The page header claims a 16-byte body; the chunk ends 8 bytes after it.
  TestColumn c = simple_int64();
  const std::string header_only = c.pages.substr(0, c.pages.size() - 16);
  c.pages = header_only + le64(0);
  const ParquetReader r = ParquetReader::from_bytes(build_file({c}, 2), "t.parquet");
  EXPECT_EQ(error_of([&] { r.read_row_group(0); }),
            "t.parquet: row group 0, column 'id': page at byte offset 4 is truncated: its body needs 16 bytes, "
            "the column chunk has 8 left");

  // A chunk whose size cuts its page header short.
  TestColumn h = simple_int64();
  h.compressed_size_override = 5;
  const ParquetReader r2 = ParquetReader::from_bytes(build_file({h}, 2), "t.parquet");
  EXPECT_EQ(error_of([&] { r2.read_row_group(0); }),
            "t.parquet: row group 0, column 'id': page header at byte offset 9: truncated Thrift data");
}

TEST(ParquetReader, ChunkEndsBeforeItsValues) {
  TestColumn c = simple_int64(2);
  c.num_values = 3;  // but the only page holds 2
  const ParquetReader r = ParquetReader::from_bytes(build_file({c}, 3), "t.parquet");
  EXPECT_EQ(error_of([&] { r.read_row_group(0); }),
            "t.parquet: row group 0, column 'id': column chunk ends at byte offset " +
                std::to_string(4 + c.pages.size()) + " after 2 of 3 values");
}

TEST(ParquetReader, DictionaryIndexOutOfRange) {
  TestColumn c;
  c.name = "org_id";
  c.type = kByteArray;
  c.num_values = 2;
  c.dictionary = dictionary_page(2, plain_string("a") + plain_string("b"));
  c.pages = data_page_v1(2, kRleDictionary, bytes({3, 0x04, 0x05}));  // bit width 3, RLE 2 x 5
  const ParquetReader r = ParquetReader::from_bytes(build_file({c}, 2), "t.parquet");
  EXPECT_EQ(error_of([&] { r.read_row_group(0); }),
            "t.parquet: row group 0, column 'org_id': dictionary index 5 out of range (dictionary has 2 entries)");
}

TEST(ParquetReader, MalformedPagesNameThePage) {
  const auto read_error = [](TestColumn c, int64_t rows) {
    return error_of([&] { ParquetReader::from_bytes(build_file({c}, rows), "t.parquet").read_row_group(0); });
  };
  // A byte array whose length runs past the page.
  TestColumn s;
  s.name = "s";
  s.type = kByteArray;
  s.num_values = 1;
  s.pages = data_page_v1(1, kPlain, le32(50) + "abc");
  EXPECT_EQ(read_error(s, 1),
            "t.parquet: row group 0, column 's', page at byte offset 4: value 0: length 50 exceeds "
            "the page's remaining 3 bytes");
  // Fewer fixed-width values than the page claims.
  TestColumn i = simple_int64(2);
  i.pages = data_page_v1(2, kPlain, le64(1));
  EXPECT_EQ(read_error(i, 2),
            "t.parquet: row group 0, column 'id', page at byte offset 4: PLAIN data needs 2 values "
            "of 8 bytes, the page holds 8 bytes");
  // Definition levels cut short.
  TestColumn o = simple_int64(2);
  o.repetition = kOptional;
  o.pages = data_page_v1(2, kPlain, le32(9) + bytes({0x03}));
  EXPECT_EQ(read_error(o, 2),
            "t.parquet: row group 0, column 'id', page at byte offset 4: definition levels length 9 "
            "exceeds the page's remaining 1 bytes");
  // An encoding the reader does not implement.
  TestColumn e = simple_int64(2);
  e.pages = data_page_v1(2, 4 /* BIT_PACKED, for levels only */, le64(0) + le64(0));
  EXPECT_EQ(read_error(e, 2),
            "t.parquet: row group 0, column 'id', page at byte offset 4: encoding BIT_PACKED is not supported");
  // An encoding for another physical type.
  e.pages = data_page_v1(2, 7 /* DELTA_BYTE_ARRAY */, le64(0) + le64(0));
  EXPECT_EQ(read_error(e, 2),
            "t.parquet: row group 0, column 'id', page at byte offset 4: DELTA_BYTE_ARRAY is only supported for "
            "BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY values");
  // A dictionary-encoded page without a dictionary.
  TestColumn d = simple_int64(2);
  d.pages = data_page_v1(2, kRleDictionary, bytes({1, 0x04, 0x00}));
  EXPECT_EQ(read_error(d, 2),
            "t.parquet: row group 0, column 'id', page at byte offset 4: dictionary-encoded page "
            "without a dictionary page");
  // Corrupt compressed data (ZSTD chunk, bytes that are no zstd frame).
  TestColumn z = simple_int64(1);
  z.codec = 6;
  z.pages = data_page_v1(1, kPlain, "not zstd at all", 8);
  const std::string msg = read_error(z, 1);
  EXPECT_EQ(msg.rfind("t.parquet: row group 0, column 'id', page at byte offset 4: ", 0), 0u) << msg;
  // More values in a page than the chunk has.
  TestColumn m = simple_int64(2);
  m.num_values = 1;
  EXPECT_EQ(read_error(m, 1),
            "t.parquet: row group 0, column 'id', page at byte offset 4: page holds 2 values, more "
            "than the 1 the column chunk has left");
}

TEST(ParquetReader, InconsistentMetadataIsRefused) {
  // A chunk pointing past the footer.
  TestColumn c = simple_int64();
  c.compressed_size_override = 5000;
  EXPECT_EQ(
      error_of([&] { ParquetReader::from_bytes(build_file({c}, 2), "t.parquet"); })
          .rfind(
              "t.parquet: row group 0, column 'id': column chunk at byte offset 4 of 5000 bytes lies outside the data",
              0),
      0u);
  // Row counts that disagree.
  FileOptions opt;
  opt.num_rows = 7;
  EXPECT_EQ(error_of([&] { ParquetReader::from_bytes(build_file({simple_int64()}, 2, opt), "t.parquet"); }),
            "t.parquet: row groups hold 2 rows, FileMetaData.num_rows says 7");
  TestColumn v = simple_int64();
  v.num_values = 3;
  EXPECT_EQ(error_of([&] { ParquetReader::from_bytes(build_file({v}, 2), "t.parquet"); }),
            "t.parquet: row group 0, column 'id': num_values 3 differs from the row group's 2 rows");
  // Asking for a row group that is not there.
  const ParquetReader r = ParquetReader::from_bytes(build_file({simple_int64()}, 2), "t.parquet");
  EXPECT_EQ(error_of([&] { r.read_row_group(1); }), "t.parquet: row group 1 does not exist (the file has 1)");
}

TEST(ParquetReader, UnreadableColumnIsRefusedOnRead) {
  // A FIXED_LEN_BYTE_ARRAY needs its width (type_length), and FLOAT16 is 2 bytes wide.
  TestColumn c;
  c.name = "raw";
  c.type = kFixedLenByteArray;
  c.num_values = 1;
  c.pages = data_page_v1(1, kPlain, std::string(4, '\0'));
  const ParquetReader r = ParquetReader::from_bytes(build_file({c}, 1), "t.parquet");
  EXPECT_EQ(r.metadata().columns[0].type, PhysicalType::FIXED_LEN_BYTE_ARRAY);  // the metadata is still readable
  EXPECT_EQ(error_of([&] { r.read_row_group(0); }),
            "t.parquet: row group 0, column 'raw': FIXED_LEN_BYTE_ARRAY without a positive type_length");
  c.name = "half";
  c.extra_schema = [](Thrift& t) { t.i32(2, 4); };
  c.logical = [](Thrift& t) { t.begin(15).end(); };  // FLOAT16
  const ParquetReader h = ParquetReader::from_bytes(build_file({c}, 1), "t.parquet");
  EXPECT_EQ(h.metadata().columns[0].logical_type, "FLOAT16");
  EXPECT_EQ(error_of([&] { h.read_row_group(0); }),
            "t.parquet: row group 0, column 'half': FLOAT16 values must be FIXED_LEN_BYTE_ARRAY(2), not "
            "FIXED_LEN_BYTE_ARRAY(4)");
}

TEST(ParquetReader, MissingFileIsAStorageError) {
  try {
    ParquetReader r("/nonexistent/dir/x.parquet");
    FAIL() << "no error";
  } catch (const StorageError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open /nonexistent/dir/x.parquet: No such file or directory");
  }
}

// ---------------------------------------------------------------------------------------------
// Files from other writers. Both hold the same 300 rows:
//   id = n, org = 'org-' || n % 5, value = NULL if n % 4 = 0 else n * 0.5,
//   ts = 2026-02-01 00:00:00 UTC + n * 1500 ms, proc = NULL if n % 3 = 0 else 'p' || n % 11.
//
// duckdb_zstd.parquet, DuckDB 1.5.6 (@duckdb/node-api):
//   COPY (SELECT range AS id, 'org-'||(range%5) AS org,
//     CASE WHEN range%4=0 THEN NULL ELSE (range*0.5)::DOUBLE END AS value,
//     TIMESTAMPTZ '2026-02-01 00:00:00+00' + to_milliseconds(range*1500) AS ts,
//     CASE WHEN range%3=0 THEN NULL ELSE 'p'||(range%11) END AS proc FROM range(300))
//   TO 'duckdb_zstd.parquet' (FORMAT parquet, COMPRESSION zstd)
// clickhouse_gzip.parquet, ClickHouse 26.7 (chdb):
//   INSERT INTO FUNCTION file('clickhouse_gzip.parquet', 'Parquet') SELECT toInt64(number) AS id,
//     concat('org-', toString(number % 5)) AS org, if(number % 4 = 0, NULL, number * 0.5) AS value,
//     toDateTime64('2026-02-01 00:00:00', 3, 'UTC') + toIntervalMillisecond(number * 1500) AS ts,
//     if(number % 3 = 0, NULL, concat('p', toString(number % 11))) AS proc FROM numbers(300)
//   SETTINGS output_format_parquet_compression_method='gzip', output_format_parquet_row_group_size=100

void expect_fixture_rows(const ParquetReader& r) {
  const FileMetadata& m = r.metadata();
  ASSERT_EQ(m.num_rows, 300);
  ASSERT_EQ(m.columns.size(), 5u);
  int64_t n = 0;
  for (size_t g = 0; g < m.row_groups.size(); ++g) {
    const RowBatch b = r.read_row_group(g);
    ASSERT_EQ(b.columns.size(), 5u);
    EXPECT_EQ(b.columns[0].type, ColumnType::Int64);
    EXPECT_EQ(b.columns[1].type, ColumnType::String);
    EXPECT_EQ(b.columns[2].type, ColumnType::Double);
    EXPECT_EQ(b.columns[3].type, ColumnType::Timestamp);
    EXPECT_EQ(b.columns[4].type, ColumnType::String);
    for (size_t i = 0; i < b.rows; ++i, ++n) {
      ASSERT_EQ(b.columns[0].ints[i], n);
      ASSERT_EQ(b.columns[1].string_at(i), "org-" + std::to_string(n % 5));
      ASSERT_EQ(b.columns[2].is_null(i), n % 4 == 0) << n;
      if (n % 4 != 0) {
        ASSERT_EQ(b.columns[2].doubles[i], static_cast<double>(n) * 0.5);
      }
      ASSERT_EQ(b.columns[3].ints[i], 1769904000000 + n * 1500);
      ASSERT_EQ(b.columns[4].is_null(i), n % 3 == 0) << n;
      if (n % 3 != 0) {
        ASSERT_EQ(b.columns[4].string_at(i), "p" + std::to_string(n % 11));
      }
    }
  }
  EXPECT_EQ(n, 300);
}

TEST(ParquetReader, DuckDbFile) {
  const ParquetReader r(std::string(AESYNC_TEST_DATA) + "/parquet/duckdb_zstd.parquet");
  const FileMetadata& m = r.metadata();
  EXPECT_EQ(m.created_by, "DuckDB version v1.5.6 (build 069cc9f9b5)");
  EXPECT_TRUE(m.has_column_orders);
  ASSERT_EQ(m.row_groups.size(), 1u);
  EXPECT_EQ(m.columns[3].logical_type, "TIMESTAMP(MICROS,UTC)");
  EXPECT_EQ(m.columns[1].converted_type, ConvertedType::UTF8);
  const ColumnChunkInfo& org = m.row_groups[0].columns[1];
  EXPECT_EQ(org.codec, Codec::ZSTD);
  EXPECT_EQ(org.statistics.min_value, "org-0");
  EXPECT_EQ(org.statistics.max_value, "org-4");
  EXPECT_EQ(m.row_groups[0].columns[4].statistics.null_count, 100);
  expect_fixture_rows(r);
}

TEST(ParquetReader, ClickHouseFile) {
  const ParquetReader r(std::string(AESYNC_TEST_DATA) + "/parquet/clickhouse_gzip.parquet");
  const FileMetadata& m = r.metadata();
  EXPECT_EQ(m.created_by.rfind("ClickHouse version 26.7", 0), 0u);
  ASSERT_EQ(m.row_groups.size(), 3u);
  EXPECT_EQ(m.columns[1].logical_type, "STRING");
  EXPECT_EQ(m.columns[3].logical_type, "TIMESTAMP(MILLIS,UTC)");
  EXPECT_EQ(m.columns[2].repetition, Repetition::OPTIONAL);
  EXPECT_EQ(m.row_groups[1].columns[0].codec, Codec::GZIP);
  EXPECT_EQ(m.row_groups[1].columns[2].statistics.null_count, 25);
  expect_fixture_rows(r);
}

}  // namespace
}  // namespace aesync::parquet
