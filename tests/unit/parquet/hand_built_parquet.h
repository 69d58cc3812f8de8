// Hand-built Parquet files for the reader's tests: a tiny Thrift compact encoder and page
// builder written from parquet.thrift, independent of aesync's writer, and build_file(), which
// lays out one row group of the given column chunks with its footer.
#pragma once

#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace aesync::parquet::handmade {

// ---------------------------------------------------------------------------------------------
// Test-local encoders

// Thrift compact protocol, just what a footer and page headers need. The outermost struct is
// implicit: done() closes it.
class Thrift {
 public:
  Thrift& i32(int16_t id, int64_t v) { return header(id, 5).varint(zigzag(v)); }
  Thrift& i64(int16_t id, int64_t v) { return header(id, 6).varint(zigzag(v)); }
  Thrift& i8(int16_t id, int8_t v) {
    header(id, 3);
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  Thrift& bin(int16_t id, std::string_view v) {
    header(id, 8).varint(v.size());
    out_.append(v);
    return *this;
  }
  Thrift& boolean(int16_t id, bool v) { return header(id, v ? 1 : 2); }
  //! A struct field; close with end().
  Thrift& begin(int16_t id) {
    header(id, 12);
    ids_.push_back(0);
    return *this;
  }
  Thrift& end() {
    out_.push_back(0);
    ids_.pop_back();
    return *this;
  }
  //! A list field header; then write n elements with the raw_* / element_begin calls.
  Thrift& list(int16_t id, uint8_t elem_type, size_t n) {
    header(id, 9);
    if (n < 15) {
      out_.push_back(static_cast<char>((n << 4) | elem_type));
    } else {
      out_.push_back(static_cast<char>(0xf0 | elem_type));
      varint(n);
    }
    return *this;
  }
  //! A struct element of a list; close with end().
  Thrift& element_begin() {
    ids_.push_back(0);
    return *this;
  }
  Thrift& raw_i32(int64_t v) { return varint(zigzag(v)); }
  Thrift& raw_i64(int64_t v) { return varint(zigzag(v)); }
  Thrift& raw_bin(std::string_view v) {
    varint(v.size());
    out_.append(v);
    return *this;
  }
  Thrift& raw(std::string_view bytes) {
    out_.append(bytes);
    return *this;
  }
  //! Header of a field of any type (for unknown-field tests); the caller writes the value.
  Thrift& header(int16_t id, uint8_t type) {
    const int delta = id - ids_.back();
    if (delta > 0 && delta <= 15) {
      out_.push_back(static_cast<char>((delta << 4) | type));
    } else {
      out_.push_back(static_cast<char>(type));
      varint(zigzag(id));
    }
    ids_.back() = id;
    return *this;
  }
  std::string done() {
    out_.push_back(0);
    return out_;
  }

 private:
  static uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
  Thrift& varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  std::string out_;
  std::vector<int16_t> ids_{0};
};

constexpr uint8_t kI32 = 5, kI64 = 6, kBinary = 8, kStruct = 12;
constexpr int kPlain = 0, kPlainDictionary = 2, kRle = 3, kDeltaBinaryPacked = 5, kRleDictionary = 8,
              kByteStreamSplit = 9;
constexpr int kInt32 = 1, kInt64 = 2, kBoolean = 0, kInt96 = 3, kFloat = 4, kDouble = 5, kByteArray = 6,
              kFixedLenByteArray = 7;
constexpr int kRequired = 0, kOptional = 1, kRepeated = 2;

inline std::string le32(uint32_t v) {
  std::string s(4, '\0');
  std::memcpy(s.data(), &v, 4);
  return s;
}
inline std::string le64(uint64_t v) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &v, 8);
  return s;
}
inline std::string f64(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return le64(bits);
}
inline std::string f32(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return le32(bits);
}
inline std::string plain_string(std::string_view s) { return le32(static_cast<uint32_t>(s.size())) + std::string(s); }
inline std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

// Pages: header + body. `stored` is the body as written (compressed or not), `raw_size` its
// uncompressed size.
inline std::string data_page_v1(int32_t num_values, int encoding, const std::string& stored, size_t raw_size) {
  Thrift t;
  t.i32(1, 0).i32(2, static_cast<int64_t>(raw_size)).i32(3, static_cast<int64_t>(stored.size()));
  t.begin(5).i32(1, num_values).i32(2, encoding).i32(3, kRle).i32(4, kRle).end();
  return t.done() + stored;
}
inline std::string data_page_v1(int32_t num_values, int encoding, const std::string& body) {
  return data_page_v1(num_values, encoding, body, body.size());
}
inline std::string dictionary_page(int32_t num_values, const std::string& body) {
  Thrift t;
  t.i32(1, 2).i32(2, static_cast<int64_t>(body.size())).i32(3, static_cast<int64_t>(body.size()));
  t.begin(7).i32(1, num_values).i32(2, kPlain).end();
  return t.done() + body;
}
inline std::string data_page_v2(int32_t num_values, int32_t num_nulls, int encoding, const std::string& def_levels,
                                const std::string& stored_values, size_t raw_values_size, bool is_compressed) {
  Thrift t;
  t.i32(1, 3)
      .i32(2, static_cast<int64_t>(def_levels.size() + raw_values_size))
      .i32(3, static_cast<int64_t>(def_levels.size() + stored_values.size()));
  t.begin(8)
      .i32(1, num_values)
      .i32(2, num_nulls)
      .i32(3, num_values)
      .i32(4, encoding)
      .i32(5, static_cast<int64_t>(def_levels.size()))
      .i32(6, 0)
      .boolean(7, is_compressed)
      .end();
  return t.done() + def_levels + stored_values;
}

// Definition levels of a v1 page: 4-byte length, then the RLE/bit-packed hybrid (bit width 1)
// as one bit-packed run.
inline std::string bitpacked_levels(const std::vector<int>& levels) {
  const size_t groups = (levels.size() + 7) / 8;
  std::string s(1, static_cast<char>((groups << 1) | 1));
  s.append(groups, '\0');
  for (size_t i = 0; i < levels.size(); ++i)
    if (levels[i]) s[1 + i / 8] = static_cast<char>(s[1 + i / 8] | (1 << (i % 8)));
  return s;
}
inline std::string v1_levels(const std::vector<int>& levels) {
  const std::string hybrid = bitpacked_levels(levels);
  return le32(static_cast<uint32_t>(hybrid.size())) + hybrid;
}

struct TestColumn {
  std::string name;
  int type = kInt64;
  std::function<void(Thrift&)> extra_schema;  // more SchemaElement fields (type_length, scale...)
  int repetition = kRequired;
  std::optional<int> converted;
  std::function<void(Thrift&)> logical;  // writes the LogicalType union's field
  int codec = 0;
  std::vector<int> encodings{kPlain};
  int64_t num_values = 0;
  std::string dictionary;                    // dictionary page (header + body), if any
  std::string pages;                         // data pages
  std::function<void(Thrift&)> statistics;   // writes Statistics fields
  std::function<void(Thrift&)> extra_meta;   // more ColumnMetaData fields
  std::function<void(Thrift&)> extra_chunk;  // more ColumnChunk fields
  std::optional<int64_t> compressed_size_override;
  std::optional<int64_t> data_page_offset_override;  // e.g. 0, as Arrow C++ writes for a 0-row chunk
};

struct FileOptions {
  std::function<void(Thrift&)> extra_file;  // more FileMetaData fields (after created_by)
  std::function<void(Thrift&)> schema;      // replaces the schema list
  std::optional<int64_t> num_rows;
};

// One row group of `rows` rows holding the columns' chunks in order.
inline std::string build_file(std::vector<TestColumn> cols, int64_t rows, const FileOptions& opt = {}) {
  std::string file = "PAR1";
  std::vector<int64_t> dict_offsets, data_offsets;
  for (const TestColumn& c : cols) {
    dict_offsets.push_back(c.dictionary.empty() ? -1 : static_cast<int64_t>(file.size()));
    file += c.dictionary;
    data_offsets.push_back(static_cast<int64_t>(file.size()));
    file += c.pages;
  }
  Thrift t;
  t.i32(1, 1);
  if (opt.schema) {
    opt.schema(t);
  } else {
    t.list(2, kStruct, cols.size() + 1);
    t.element_begin().bin(4, "schema").i32(5, static_cast<int64_t>(cols.size())).end();
    for (const TestColumn& c : cols) {
      t.element_begin().i32(1, c.type).i32(3, c.repetition).bin(4, c.name);
      if (c.extra_schema) c.extra_schema(t);
      if (c.converted) t.i32(6, *c.converted);
      if (c.logical) {
        t.begin(10);
        c.logical(t);
        t.end();
      }
      t.end();
    }
  }
  t.i64(3, opt.num_rows.value_or(rows));
  t.list(4, kStruct, 1).element_begin();
  t.list(1, kStruct, cols.size());
  int64_t total = 0;
  for (size_t i = 0; i < cols.size(); ++i) {
    const TestColumn& c = cols[i];
    const int64_t size =
        c.compressed_size_override.value_or(static_cast<int64_t>(c.dictionary.size() + c.pages.size()));
    total += size;
    t.element_begin().i64(2, 0);
    t.begin(3).i32(1, c.type).list(2, kI32, c.encodings.size());
    for (int e : c.encodings) t.raw_i32(e);
    t.list(3, kBinary, 1).raw_bin(c.name);
    t.i32(4, c.codec).i64(5, c.num_values).i64(6, size).i64(7, size);
    if (c.extra_meta) c.extra_meta(t);
    t.i64(9, c.data_page_offset_override.value_or(data_offsets[i]));
    if (dict_offsets[i] >= 0) t.i64(11, dict_offsets[i]);
    if (c.statistics) {
      t.begin(12);
      c.statistics(t);
      t.end();
    }
    t.end();  // ColumnMetaData
    if (c.extra_chunk) c.extra_chunk(t);
    t.end();  // ColumnChunk
  }
  t.i64(2, total).i64(3, rows).end();  // RowGroup
  t.bin(6, "hand-made test file");
  if (opt.extra_file) opt.extra_file(t);
  const std::string footer = t.done();
  file += footer;
  file += le32(static_cast<uint32_t>(footer.size()));
  file += "PAR1";
  return file;
}

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace aesync::parquet::handmade
