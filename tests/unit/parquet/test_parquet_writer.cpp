// Whole-file tests of the Parquet writer. The small files are compared byte for byte with
// expectations assembled by hand below (each piece commented with the Thrift fields it
// encodes); larger files are checked through a minimal Thrift compact decoder written here,
// independent of the writer's encoder and of the project's reader.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "parquet/compression.h"
#include "parquet/parquet_writer.h"
#include "util/byte_sink.h"
#include "util/version.h"

using namespace aesync;
using namespace aesync::parquet;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

// The footer's 4-byte little-endian metadata length.
std::string le32(size_t n) {
  return bytes({static_cast<int>(n & 0xFF), static_cast<int>((n >> 8) & 0xFF), static_cast<int>((n >> 16) & 0xFF),
                static_cast<int>(n >> 24)});
}

ColumnSpec column(const std::string& name, ColumnType type, bool nullable, const char* from) {
  ColumnSpec c;
  c.name = name;
  c.type = type;
  c.from = *RawColumn::parse(from);
  if (nullable) {
    if (type == ColumnType::String) {
      c.empty_as_null = true;
    } else {
      c.when = WhenCondition{*RawColumn::parse("blob4"), "resource"};
    }
  }
  return c;
}

// ---- A minimal Thrift compact decoder for assertions (structs, lists, scalars, binary). ----
struct TValue {
  int type = 0;  // compact type id
  int64_t i = 0;
  std::string bin;
  std::map<int, TValue> fields;  // struct
  std::vector<TValue> elems;     // list

  const TValue& at(int id) const {
    auto it = fields.find(id);
    if (it == fields.end()) throw std::runtime_error("no field " + std::to_string(id));
    return it->second;
  }
  bool has(int id) const { return fields.count(id) != 0; }
};

class TDecoder {
 public:
  explicit TDecoder(std::string_view in) : in_(in) {}
  TValue read_struct() {
    TValue v;
    v.type = 12;
    int last = 0;
    for (;;) {
      const auto b = byte();
      if (b == 0) return v;
      const int type = b & 0x0F;
      const int delta = b >> 4;
      const int id = delta != 0 ? last + delta : static_cast<int>(unzigzag(varint()));
      last = id;
      if (type == 1 || type == 2) {
        TValue t;
        t.type = type;
        t.i = type == 1;
        v.fields[id] = t;
      } else {
        v.fields[id] = read(type);
      }
    }
  }
  size_t pos() const { return pos_; }

 private:
  TValue read(int type) {
    TValue v;
    v.type = type;
    switch (type) {
      case 3: v.i = static_cast<int8_t>(byte()); break;
      case 4:
      case 5:
      case 6: v.i = unzigzag(varint()); break;
      case 8: {
        const size_t n = varint();
        v.bin = std::string(in_.substr(pos_, n));
        if (v.bin.size() != n) throw std::runtime_error("binary past the end");
        pos_ += n;
        break;
      }
      case 9: {
        const auto h = byte();
        size_t n = h >> 4;
        if (n == 15) n = varint();
        for (size_t k = 0; k < n; ++k) v.elems.push_back(read(h & 0x0F));
        break;
      }
      case 12: return read_struct();
      default: throw std::runtime_error("unexpected type " + std::to_string(type));
    }
    return v;
  }
  uint8_t byte() {
    if (pos_ >= in_.size()) throw std::runtime_error("read past the end");
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto b = byte();
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
  }
  static int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

  std::string_view in_;
  size_t pos_ = 0;
};

// Checks the framing and returns the decoded FileMetaData.
TValue footer(const std::string& file) {
  EXPECT_GE(file.size(), 12u);
  EXPECT_EQ(file.substr(0, 4), "PAR1");
  EXPECT_EQ(file.substr(file.size() - 4), "PAR1");
  uint32_t len;
  std::memcpy(&len, file.data() + file.size() - 8, 4);
  EXPECT_LE(len + 12u, file.size());
  const std::string_view meta = std::string_view(file).substr(file.size() - 8 - len, len);
  TDecoder d(meta);
  TValue v = d.read_struct();
  EXPECT_EQ(d.pos(), meta.size()) << "footer length does not match the metadata";
  return v;
}

struct Page {
  TValue header;
  std::string body;  // decompressed
};

// Decodes the pages of one column chunk (ColumnMetaData `cmd`).
std::vector<Page> pages(const std::string& file, const TValue& cmd) {
  const auto codec = static_cast<Codec>(cmd.at(4).i);
  int64_t pos = cmd.has(11) ? cmd.at(11).i : cmd.at(9).i;
  const int64_t end = pos + cmd.at(7).i;
  std::vector<Page> out;
  while (pos < end) {
    TDecoder d(std::string_view(file).substr(pos));
    Page p;
    p.header = d.read_struct();
    pos += static_cast<int64_t>(d.pos());
    const int64_t csize = p.header.at(3).i;
    p.body = decompress(codec, std::string_view(file).substr(pos, csize), static_cast<size_t>(p.header.at(2).i));
    pos += csize;
    out.push_back(std::move(p));
  }
  EXPECT_EQ(pos, end) << "pages overrun total_compressed_size";
  return out;
}

}  // namespace

TEST(ParquetWriter, CodecFromName) {
  EXPECT_EQ(codec_from_name("zstd"), Codec::ZSTD);
  EXPECT_EQ(codec_from_name("snappy"), Codec::SNAPPY);
  EXPECT_EQ(codec_from_name("gzip"), Codec::GZIP);
  EXPECT_EQ(codec_from_name("none"), Codec::UNCOMPRESSED);
  EXPECT_EQ(codec_from_name("ZSTD"), std::nullopt);
  EXPECT_EQ(codec_from_name("lz4"), std::nullopt);
  EXPECT_EQ(codec_from_name(""), std::nullopt);
}

TEST(ParquetWriter, FileWithoutRowGroupsIsExact) {
  Schema schema;
  schema.columns.push_back(column("n", ColumnType::Int64, false, "_sample_interval"));
  WriterOptions opt;
  opt.created_by = "t";
  StringSink sink;
  ParquetWriter w(schema, opt, sink);
  EXPECT_EQ(sink.out, "PAR1");  // the magic goes out at construction
  w.close();

  const std::string meta = bytes({0x15, 0x02,                                   // 1: version = 1
                                  0x19, 0x2C,                                   // 2: schema, list of 2 structs
                                  0x48, 0x06, 's',  'c',  'h',  'e', 'm', 'a',  //   root: 4: name "schema"
                                  0x15, 0x02, 0x00,                             //         5: num_children = 1; STOP
                                  0x15, 0x04,                                   //   leaf: 1: type INT64 (2)
                                  0x25, 0x00,                                   //         3: repetition REQUIRED (0)
                                  0x18, 0x01, 'n',  0x00,        //         4: name "n"; STOP (no annotation)
                                  0x16, 0x00,                    // 3: num_rows = 0 (i64)
                                  0x19, 0x0C,                    // 4: row_groups, empty list of structs
                                  0x28, 0x01, 't',               // 6: created_by "t" (delta 2)
                                  0x19, 0x1C, 0x1C, 0x00, 0x00,  // 7: column_orders [ {1: TYPE_ORDER {}} ]
                                  0x00});                        // STOP
  EXPECT_EQ(sink.out, "PAR1" + meta + le32(meta.size()) + "PAR1");
  EXPECT_EQ(w.rows_written(), 0u);
  EXPECT_EQ(w.row_groups_written(), 0u);
}

TEST(ParquetWriter, ThreeRowFileIsExact) {
  Schema schema;
  schema.columns.push_back(column("s", ColumnType::String, true, "blob1"));
  schema.columns.push_back(column("d", ColumnType::Double, false, "double1"));
  schema.columns.push_back(column("t", ColumnType::Timestamp, false, "timestamp"));
  RowBatch b(schema);
  b.columns[0].append_string("ab");
  b.columns[0].append_null();
  b.columns[0].append_string("ab");
  b.columns[1].append_double(1.5);
  b.columns[1].append_double(-0.0);
  b.columns[1].append_double(std::numeric_limits<double>::quiet_NaN());
  b.columns[2].append_int(1000);
  b.columns[2].append_int(2000);
  b.columns[2].append_int(3000);
  b.rows = 3;

  WriterOptions opt;
  opt.codec = Codec::UNCOMPRESSED;
  opt.created_by = "t";
  StringSink sink;
  ParquetWriter w(schema, opt, sink);
  w.write_row_group(b);
  w.close();
  EXPECT_EQ(w.rows_written(), 3u);
  EXPECT_EQ(w.row_groups_written(), 1u);

  const std::string d15 = bytes({0, 0, 0, 0, 0, 0, 0xF8, 0x3F});    // 1.5 = 0x3FF8000000000000 LE
  const std::string dm0 = bytes({0, 0, 0, 0, 0, 0, 0, 0x80});       // -0.0: only the sign bit
  const std::string dnan = bytes({0, 0, 0, 0, 0, 0, 0xF8, 0x7F});   // quiet NaN 0x7FF8...
  const std::string t1000 = bytes({0xE8, 0x03, 0, 0, 0, 0, 0, 0});  // 1000 = 0x3E8
  const std::string t3000 = bytes({0xB8, 0x0B, 0, 0, 0, 0, 0, 0});  // 3000 = 0xBB8

  // Column s, offset 4: dictionary page (19 bytes) then one data page (26 bytes).
  const std::string s_dict = bytes({0x15, 0x04,                 // PageHeader 1: type DICTIONARY_PAGE (2)
                                    0x15, 0x0C,                 // 2: uncompressed_page_size 6
                                    0x15, 0x0C,                 // 3: compressed_page_size 6
                                    0x4C,                       // 7: dictionary_page_header (delta 4, struct)
                                    0x15, 0x02,                 //   1: num_values 1
                                    0x15, 0x04,                 //   2: encoding PLAIN_DICTIONARY (2)
                                    0x00, 0x00,                 //   STOP; STOP
                                    0x02, 0, 0, 0, 'a', 'b'});  // body: PLAIN "ab" (4-byte length + bytes)
  const std::string s_data = bytes({0x15, 0x00,                 // 1: type DATA_PAGE (0)
                                    0x15, 0x12,                 // 2: uncompressed 9
                                    0x15, 0x12,                 // 3: compressed 9
                                    0x2C,                       // 5: data_page_header (delta 2)
                                    0x15, 0x06,                 //   1: num_values 3 (the NULL included)
                                    0x15, 0x04,                 //   2: encoding PLAIN_DICTIONARY
                                    0x15, 0x06,                 //   3: definition_level_encoding RLE (3)
                                    0x15, 0x06,                 //   4: repetition_level_encoding RLE
                                    0x00, 0x00, 0x02, 0, 0, 0,  // body: def levels, 2 bytes:
                                    0x03, 0x05,                 //   bit-packed 1 group: 1,0,1 -> 0b101
                                    0x01,                       //   index bit width 1
                                    0x04, 0x00});               //   RLE run: 2 x index 0
  // Column d, offset 49: one PLAIN page of 3 doubles (41 bytes).
  const std::string plain3_header = bytes({0x15, 0x00, 0x15, 0x30, 0x15, 0x30,  // DATA_PAGE, sizes 24, 24
                                           0x2C, 0x15, 0x06,                    // data_page_header: num_values 3
                                           0x15, 0x00,                          //   encoding PLAIN (0)
                                           0x15, 0x06, 0x15, 0x06, 0x00, 0x00});
  const std::string d_data = plain3_header + d15 + dm0 + dnan;
  // Column t, offset 90: one DELTA_BINARY_PACKED page of 3 int64 (29 bytes: its 12-byte body
  // beats PLAIN's 24). The footer starts at 119.
  const std::string t_data = bytes({0x15, 0x00, 0x15, 0x18, 0x15, 0x18,  // DATA_PAGE, sizes 12, 12
                                    0x2C, 0x15, 0x06,                    // data_page_header: num_values 3
                                    0x15, 0x0A,                          //   encoding DELTA_BINARY_PACKED (5)
                                    0x15, 0x06, 0x15, 0x06, 0x00, 0x00,  //
                                    0x80, 0x01,                          // body: block size 128 (ULEB128)
                                    0x04,                                //   4 miniblocks
                                    0x03,                                //   3 values
                                    0xD0, 0x0F,                          //   first value 1000 (zigzag 2000)
                                    0xD0, 0x0F,                          //   block: min delta 1000 (zigzag)
                                    0x00, 0x00, 0x00, 0x00});            //   bit widths 0: no miniblock bytes

  const std::string meta = bytes({0x15, 0x02,                                     // 1: version 1
                                  0x19, 0x4C,                                     // 2: schema, 4 elements
                                  0x48, 0x06, 's',  'c',  'h',  'e',  'm',  'a',  //   root "schema",
                                  0x15, 0x06, 0x00,                               //   num_children 3
                                  0x15, 0x0C,                                     //   s: BYTE_ARRAY (6)
                                  0x25, 0x02,                                     //      OPTIONAL (1)
                                  0x18, 0x01, 's',                                //      name
                                  0x25, 0x00,                                     //      6: converted_type UTF8 (0)
                                  0x4C, 0x1C, 0x00, 0x00,                         //      10: logicalType {1: STRING {}}
                                  0x00, 0x15, 0x0A, 0x25, 0x00, 0x18, 0x01, 'd', 0x00,  // d: DOUBLE (5), REQUIRED
                                  0x15, 0x04, 0x25, 0x00, 0x18, 0x01, 't',              //   t: INT64, REQUIRED,
                                  0x25, 0x12,              //      converted_type TIMESTAMP_MILLIS (9)
                                  0x4C, 0x8C,              //      logicalType {8: TIMESTAMP {
                                  0x11,                    //        1: isAdjustedToUTC true,
                                  0x1C, 0x1C, 0x00, 0x00,  //        2: unit {1: MILLIS {}}
                                  0x00, 0x00, 0x00,        //      }} STOP
                                  0x16, 0x06,              // 3: num_rows 3
                                  0x19, 0x1C,              // 4: row_groups, 1 struct
                                  0x19, 0x3C}) +           //   1: columns, 3 structs
                           bytes({0x26, 0x00,              //   s chunk: 2: file_offset 0
                                  0x1C,                    //     3: meta_data
                                  0x15, 0x0C,              //       1: type BYTE_ARRAY
                                  0x19, 0x25, 0x04, 0x06,  //       2: encodings [PLAIN_DICTIONARY, RLE]
                                  0x19, 0x18, 0x01, 's',   //       3: path_in_schema ["s"]
                                  0x15, 0x00,              //       4: codec UNCOMPRESSED
                                  0x16, 0x06,              //       5: num_values 3
                                  0x16, 0x5A, 0x16, 0x5A,  //       6, 7: sizes 45, 45
                                  0x26, 0x2E,              //       9: data_page_offset 23
                                  0x26, 0x08,              //       11: dictionary_page_offset 4
                                  0x1C,                    //       12: statistics
                                  0x36, 0x02,              //         3: null_count 1
                                  0x28, 0x02, 'a',  'b',   //         5: max_value "ab"
                                  0x18, 0x02, 'a',  'b',   //         6: min_value "ab"
                                  0x11, 0x11,              //         7, 8: is_max/min_value_exact true
                                  0x00, 0x00, 0x00}) +     //       (no legacy min/max for strings)
                           bytes({0x26, 0x00, 0x1C,        //   d chunk
                                  0x15, 0x0A,              //       type DOUBLE
                                  0x19, 0x15, 0x00,        //       encodings [PLAIN]
                                  0x19, 0x18, 0x01, 'd',   //       path ["d"]
                                  0x15, 0x00, 0x16, 0x06,  //       codec, num_values 3
                                  0x16, 0x52, 0x16, 0x52,  //       sizes 41, 41
                                  0x26, 0x62,              //       data_page_offset 49
                                  0x3C,                    //       12: statistics (delta 3)
                                  0x18, 0x08}) +
                           d15 +                        //         1: max (legacy) 1.5
                           bytes({0x18, 0x08}) + dm0 +  //         2: min (legacy) -0.0
                           bytes({0x16, 0x00,           //         3: null_count 0
                                  0x28, 0x08}) +
                           d15 +                        //         5: max_value 1.5
                           bytes({0x18, 0x08}) + dm0 +  //         6: min_value -0.0 (NaN left out)
                           bytes({0x11, 0x11,           //         7, 8: exact bounds (bool in header)
                                  0x16, 0x02,           //         9: nan_count 1
                                  0x00, 0x00, 0x00}) +
                           bytes({0x26, 0x00, 0x1C,              //   t chunk
                                  0x15, 0x04, 0x19, 0x15, 0x0A,  //       INT64, [DELTA_BINARY_PACKED]
                                  0x19, 0x18, 0x01, 't',  0x15, 0x00, 0x16, 0x06,
                                  0x16, 0x3A, 0x16, 0x3A, 0x26, 0xB4, 0x01,  //       sizes 29, data_page_offset 90
                                  0x3C, 0x18, 0x08}) +
                           t3000 +                                     //       statistics: max 3000
                           bytes({0x18, 0x08}) + t1000 +               //                   min 1000
                           bytes({0x16, 0x00, 0x28, 0x08}) + t3000 +   //         null_count 0, max_value
                           bytes({0x18, 0x08}) + t1000 +               //         min_value
                           bytes({0x11, 0x11,                          //         exact bounds
                                  0x00, 0x00, 0x00, 0x16, 0xE6, 0x01,  //   2: total_byte_size 115
                                  0x16, 0x06,                          //   3: num_rows 3
                                  0x26, 0x08,                          //   5: file_offset 4
                                  0x16, 0xE6, 0x01,                    //   6: total_compressed_size 115
                                  0x00,                                // RowGroup STOP
                                  0x28, 0x01, 't',                     // 6: created_by "t"
                                  0x19, 0x3C,                          // 7: column_orders, 3 x TYPE_ORDER
                                  0x1C, 0x00, 0x00, 0x1C, 0x00, 0x00, 0x1C, 0x00, 0x00, 0x00});
  ASSERT_EQ(s_dict.size(), 19u);
  ASSERT_EQ(s_data.size(), 26u);
  ASSERT_EQ(d_data.size(), 41u);
  ASSERT_EQ(meta.size(), 272u);
  const std::string expected = "PAR1" + s_dict + s_data + d_data + t_data + meta + le32(meta.size()) + "PAR1";
  EXPECT_EQ(sink.out, expected);
}

TEST(ParquetWriter, DictionaryFallsBackToPlainPastTheLimit) {
  Schema schema;
  schema.columns.push_back(column("s", ColumnType::String, false, "blob1"));
  RowBatch b(schema);
  b.columns[0].append_string("abc");
  b.columns[0].append_string("de");
  b.rows = 2;
  WriterOptions opt;
  opt.codec = Codec::UNCOMPRESSED;
  opt.dictionary_limit_bytes = 8;  // "abc" = 7 bytes fits, + "de" = 13 does not
  StringSink sink;
  ParquetWriter w(schema, opt, sink);
  w.write_row_group(b);
  w.close();
  const std::string chunk =
      bytes({0x15, 0x00, 0x15, 0x1A, 0x15, 0x1A,  // DATA_PAGE, 13 bytes
             0x2C, 0x15, 0x04,                    // num_values 2
             0x15, 0x00,                          // PLAIN
             0x15, 0x06, 0x15, 0x06, 0x00, 0x00, 0x03, 0, 0, 0, 'a', 'b', 'c', 0x02, 0, 0, 0, 'd', 'e'});
  EXPECT_EQ(sink.out.substr(0, 4 + chunk.size()), "PAR1" + chunk);
  const TValue meta = footer(sink.out);
  const TValue& cmd = meta.at(4).elems.at(0).at(1).elems.at(0).at(3);
  ASSERT_EQ(cmd.at(2).elems.size(), 1u);
  EXPECT_EQ(cmd.at(2).elems[0].i, 0);  // encodings [PLAIN]
  EXPECT_FALSE(cmd.has(11));           // no dictionary page
  EXPECT_EQ(cmd.at(12).at(6).bin, "abc");
  EXPECT_EQ(cmd.at(12).at(5).bin, "de");
}

TEST(ParquetWriter, PagesAreCutAtPageBytes) {
  Schema schema;
  schema.columns.push_back(column("n", ColumnType::Int64, false, "_sample_interval"));
  schema.columns.push_back(column("s", ColumnType::String, true, "blob1"));
  RowBatch b(schema);
  for (int i = 0; i < 5; ++i) {
    b.columns[0].append_int(i);
    if (i == 1) {
      b.columns[1].append_null();
    } else {
      b.columns[1].append_string(std::string(10, static_cast<char>('a' + i)));
    }
  }
  b.rows = 5;
  WriterOptions opt;
  opt.codec = Codec::SNAPPY;
  opt.page_bytes = 16;
  opt.dictionary_limit_bytes = 0;  // force PLAIN strings
  StringSink sink;
  ParquetWriter w(schema, opt, sink);
  w.write_row_group(b);
  w.close();
  const TValue meta = footer(sink.out);
  const TValue& chunks = meta.at(4).elems.at(0).at(1);
  // int64: 16 bytes = 2 values a page -> pages of 2, 2, 1 rows.
  std::vector<Page> p = pages(sink.out, chunks.elems.at(0).at(3));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].header.at(5).at(1).i, 2);
  EXPECT_EQ(p[2].header.at(5).at(1).i, 1);
  // Pages of DELTA_BINARY_PACKED, smaller than PLAIN here: the last is a header alone (block
  // 128, 4 miniblocks, 1 value, first value 4 as zigzag 8).
  EXPECT_EQ(p[2].header.at(5).at(2).i, static_cast<int32_t>(Encoding::DELTA_BINARY_PACKED));
  EXPECT_EQ(p[2].body, bytes({0x80, 0x01, 0x04, 0x01, 0x08}));
  // Strings: a value costs 14 bytes; a page closes once it holds >= 16: rows {0,1(NULL),2}, {3,4}.
  p = pages(sink.out, chunks.elems.at(1).at(3));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].header.at(5).at(1).i, 3);                                // num_values counts the NULL
  EXPECT_EQ(p[0].body.substr(0, 6), bytes({0x02, 0, 0, 0, 0x03, 0x05}));  // levels 1,0,1
  EXPECT_EQ(p[0].body.size(), 6u + 2 * 14);
  EXPECT_EQ(p[1].header.at(5).at(1).i, 2);
  EXPECT_EQ(p[1].body.substr(0, 6), bytes({0x02, 0, 0, 0, 0x04, 0x01}));  // RLE 2 x 1
  int64_t sum = 0;
  for (const TValue& c : chunks.elems) sum += c.at(3).at(6).i;
  EXPECT_EQ(meta.at(4).elems.at(0).at(2).i, sum);  // total_byte_size = sum of uncompressed sizes
}

TEST(ParquetWriter, SeveralRowGroupsEveryCodec) {
  Schema schema;
  schema.columns.push_back(column("ts", ColumnType::Timestamp, false, "timestamp"));
  schema.columns.push_back(column("id", ColumnType::String, false, "index1"));
  schema.columns.push_back(column("v", ColumnType::Double, true, "double1"));
  schema.columns.push_back(column("never", ColumnType::String, true, "blob2"));
  for (Codec codec : {Codec::UNCOMPRESSED, Codec::SNAPPY, Codec::GZIP, Codec::ZSTD}) {
    WriterOptions opt;
    opt.codec = codec;
    StringSink sink;
    ParquetWriter w(schema, opt, sink);
    RowBatch b(schema);
    for (int g = 0; g < 3; ++g) {
      b.clear();
      const int rows = 100 * (g + 1);
      for (int i = 0; i < rows; ++i) {
        b.columns[0].append_int(1767225600000 + g * 1000 + i);
        b.columns[1].append_string("machine-" + std::to_string(i % 7));
        if (i % 3 == 0) {
          b.columns[2].append_null();
        } else {
          b.columns[2].append_double(i * 0.5);
        }
        b.columns[3].append_null();
      }
      b.rows = static_cast<size_t>(rows);
      w.write_row_group(b);
    }
    w.close();
    EXPECT_EQ(w.rows_written(), 600u);
    EXPECT_EQ(w.row_groups_written(), 3u);

    const TValue meta = footer(sink.out);
    EXPECT_EQ(meta.at(3).i, 600);
    EXPECT_EQ(meta.at(6).bin, aesync::created_by());
    ASSERT_EQ(meta.at(4).elems.size(), 3u);
    ASSERT_EQ(meta.at(7).elems.size(), 4u);
    int64_t expect_offset = 4;
    for (int g = 0; g < 3; ++g) {
      const TValue& rg = meta.at(4).elems[g];
      EXPECT_EQ(rg.at(3).i, 100 * (g + 1));
      EXPECT_EQ(rg.at(5).i, expect_offset);  // row groups are contiguous from the magic on
      int64_t compressed = 0;
      for (size_t k = 0; k < 4; ++k) {
        const TValue& cmd = rg.at(1).elems.at(k).at(3);
        EXPECT_EQ(cmd.at(4).i, static_cast<int64_t>(codec));
        EXPECT_EQ(cmd.at(5).i, 100 * (g + 1));
        const int64_t start = cmd.has(11) ? cmd.at(11).i : cmd.at(9).i;
        EXPECT_EQ(start, expect_offset + compressed) << "chunk " << k;
        compressed += cmd.at(7).i;
        const std::vector<Page> p = pages(sink.out, cmd);
        ASSERT_FALSE(p.empty());
        if (k == 1) {  // dictionary: 7 distinct ids, dictionary page first
          EXPECT_EQ(p[0].header.at(1).i, 2);
          EXPECT_EQ(p[0].header.at(7).at(1).i, 7);
          EXPECT_EQ(cmd.at(12).at(6).bin, "machine-0");
          EXPECT_EQ(cmd.at(12).at(5).bin, "machine-6");
          EXPECT_EQ(p[1].body[0], 3);  // 7 entries -> 3-bit indices
        }
        if (k == 2) {
          EXPECT_EQ(cmd.at(12).at(3).i, (100 * (g + 1) + 2) / 3);  // null_count
        }
        if (k == 3) {  // all NULL: PLAIN, levels only, null_count only
          EXPECT_EQ(cmd.at(12).at(3).i, 100 * (g + 1));
          EXPECT_FALSE(cmd.at(12).has(5));
          EXPECT_FALSE(cmd.at(12).has(6));
          EXPECT_FALSE(cmd.has(11));
        }
      }
      EXPECT_EQ(rg.at(6).i, compressed);
      expect_offset += compressed;
    }
    EXPECT_EQ(
        static_cast<size_t>(expect_offset) + 8 +
            [&] {
              uint32_t len;
              std::memcpy(&len, sink.out.data() + sink.out.size() - 8, 4);
              return len;
            }(),
        sink.out.size());
  }
}

TEST(ParquetWriter, MisuseIsALogicError) {
  Schema schema;
  schema.columns.push_back(column("n", ColumnType::Int64, false, "_sample_interval"));
  StringSink sink;
  ParquetWriter w(schema, WriterOptions{}, sink);
  RowBatch empty(schema);
  EXPECT_THROW(w.write_row_group(empty), std::logic_error);  // no empty row groups

  RowBatch wrong;
  wrong.columns.emplace_back(ColumnType::Double, false);
  wrong.columns[0].append_double(1);
  wrong.rows = 1;
  try {
    w.write_row_group(wrong);
    FAIL();
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "ParquetWriter::write_row_group: column 'n' has the wrong type");
  }
  RowBatch short_batch(schema);
  short_batch.columns[0].append_int(1);
  short_batch.rows = 2;
  EXPECT_THROW(w.write_row_group(short_batch), std::logic_error);

  w.close();
  RowBatch ok(schema);
  ok.columns[0].append_int(1);
  ok.rows = 1;
  EXPECT_THROW(w.write_row_group(ok), std::logic_error);
  EXPECT_THROW(w.close(), std::logic_error);
  EXPECT_THROW(ParquetWriter(Schema{}, WriterOptions{}, sink), std::logic_error);
}
