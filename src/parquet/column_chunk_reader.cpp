#include "parquet/column_chunk_reader.h"

#include <algorithm>
#include <cstring>

#include "parquet/byte_stream_split.h"
#include "parquet/compression.h"
#include "parquet/delta_binary_packed.h"
#include "parquet/delta_byte_array.h"
#include "parquet/rle_hybrid_decoder.h"
#include "parquet/thrift_compact_reader.h"
#include "parquet/thrift_ids.h"
#include "util/error.h"

namespace aesync::parquet {

// The memory a row group may decode into. Run-length and dictionary encodings let a few bytes
// stand for any number of values (one RLE run of 2^31 - 1 dictionary indices is six bytes), so
// the counts in a hostile file cannot size anything by themselves: every page is charged
// before it allocates (its values, its decompressed size, the string bytes it expands to), and
// the row group fails once the charges pass max(kMinDecodeBudget, kDecodeExpansion x file
// size). The floor keeps small, highly repetitive files readable (aesync's own 262,144-row
// groups of constant columns decode to less); 1024x is far above what real data compresses by.
constexpr uint64_t kMinDecodeBudget = uint64_t{256} << 20;
constexpr uint64_t kDecodeExpansion = 1024;
// Charged per value of a page: its output (8 bytes, or a 4-byte string offset, + 1 defined
// flag) and the page's scratch arrays (definition levels, indices or deltas).
constexpr uint64_t kBytesPerValue = 16;

DecodeBudget DecodeBudget::for_file(uint64_t file_size) {
  DecodeBudget budget;
  budget.file_size = file_size;
  budget.limit =
      std::max(kMinDecodeBudget, file_size > UINT64_MAX / kDecodeExpansion ? UINT64_MAX : file_size * kDecodeExpansion);
  return budget;
}

namespace {

using FieldHeader = ThriftCompactReader::FieldHeader;

// ---------------------------------------------------------------------------------------------
// Page headers

struct PageHeader {
  PageType type{};
  int32_t uncompressed_size = -1;
  int32_t compressed_size = -1;
  // DATA_PAGE / DATA_PAGE_V2 / DICTIONARY_PAGE
  int32_t num_values = -1;
  Encoding encoding{};
  Encoding definition_level_encoding = Encoding::RLE;
  // DATA_PAGE_V2
  int32_t num_nulls = 0;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
  bool has_type_header = false;
};

void read_data_page_header(ThriftCompactReader& r, PageHeader& h) {
  namespace id = field::DataPageHeader;
  bool has_num = false, has_enc = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case id::kNumValues:
        h.num_values = read_i32_field(r, f, "DataPageHeader.num_values"), has_num = true;
        return true;
      case id::kEncoding:
        h.encoding = static_cast<Encoding>(read_i32_field(r, f, "DataPageHeader.encoding")), has_enc = true;
        return true;
      case id::kDefinitionLevelEncoding:
        h.definition_level_encoding =
            static_cast<Encoding>(read_i32_field(r, f, "DataPageHeader.definition_level_encoding"));
        return true;
      default: return false;
    }
  });
  if (!has_num || !has_enc) r.fail("DataPageHeader lacks num_values or encoding");
  h.has_type_header = true;
}

void read_data_page_header_v2(ThriftCompactReader& r, PageHeader& h) {
  namespace id = field::DataPageHeaderV2;
  bool has_num = false, has_enc = false, has_def = false, has_rep = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case id::kNumValues:
        h.num_values = read_i32_field(r, f, "DataPageHeaderV2.num_values"), has_num = true;
        return true;
      case id::kNumNulls: h.num_nulls = read_i32_field(r, f, "DataPageHeaderV2.num_nulls"); return true;
      case id::kEncoding:
        h.encoding = static_cast<Encoding>(read_i32_field(r, f, "DataPageHeaderV2.encoding")), has_enc = true;
        return true;
      case id::kDefinitionLevelsByteLength:
        h.definition_levels_byte_length = read_i32_field(r, f, "DataPageHeaderV2.definition_levels_byte_length");
        has_def = true;
        return true;
      case id::kRepetitionLevelsByteLength:
        h.repetition_levels_byte_length = read_i32_field(r, f, "DataPageHeaderV2.repetition_levels_byte_length");
        has_rep = true;
        return true;
      case id::kIsCompressed:
        expect_field_type(r, f, ThriftType::BOOL_TRUE, "DataPageHeaderV2.is_compressed");
        h.is_compressed = r.read_bool_field(f);
        return true;
      default: return false;
    }
  });
  if (!has_num || !has_enc || !has_def || !has_rep)
    r.fail("DataPageHeaderV2 lacks num_values, encoding or a levels byte length");
  if (h.definition_levels_byte_length < 0 || h.repetition_levels_byte_length < 0 || h.num_nulls < 0)
    r.fail("DataPageHeaderV2 has a negative levels length or null count");
  h.has_type_header = true;
}

void read_dictionary_page_header(ThriftCompactReader& r, PageHeader& h) {
  namespace id = field::DictionaryPageHeader;
  bool has_num = false;
  h.encoding = Encoding::PLAIN;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case id::kNumValues:
        h.num_values = read_i32_field(r, f, "DictionaryPageHeader.num_values"), has_num = true;
        return true;
      case id::kEncoding:
        h.encoding = static_cast<Encoding>(read_i32_field(r, f, "DictionaryPageHeader.encoding"));
        return true;
      default: return false;
    }
  });
  if (!has_num) r.fail("DictionaryPageHeader lacks num_values");
  h.has_type_header = true;
}

PageHeader read_page_header(ThriftCompactReader& r) {
  namespace id = field::PageHeader;
  PageHeader h;
  bool has_type = false, has_u = false, has_c = false;
  read_struct(r, [&](const FieldHeader& f) {
    switch (f.id) {
      case id::kType:
        h.type = static_cast<PageType>(read_i32_field(r, f, "PageHeader.type")), has_type = true;
        return true;
      case id::kUncompressedPageSize:
        h.uncompressed_size = read_i32_field(r, f, "PageHeader.uncompressed_page_size"), has_u = true;
        return true;
      case id::kCompressedPageSize:
        h.compressed_size = read_i32_field(r, f, "PageHeader.compressed_page_size"), has_c = true;
        return true;
      case id::kDataPageHeader:
        if (h.type != PageType::DATA_PAGE) return false;
        expect_field_type(r, f, ThriftType::STRUCT, "PageHeader.data_page_header");
        read_data_page_header(r, h);
        return true;
      case id::kDictionaryPageHeader:
        if (h.type != PageType::DICTIONARY_PAGE) return false;
        expect_field_type(r, f, ThriftType::STRUCT, "PageHeader.dictionary_page_header");
        read_dictionary_page_header(r, h);
        return true;
      case id::kDataPageHeaderV2:
        if (h.type != PageType::DATA_PAGE_V2) return false;
        expect_field_type(r, f, ThriftType::STRUCT, "PageHeader.data_page_header_v2");
        read_data_page_header_v2(r, h);
        return true;
      default: return false;
    }
  });
  if (!has_type || !has_u || !has_c) r.fail("PageHeader lacks type or sizes");
  if (h.uncompressed_size < 0 || h.compressed_size < 0) r.fail("PageHeader has a negative page size");
  if (h.num_values < -1) r.fail("page header has a negative num_values");
  return h;
}

// ---------------------------------------------------------------------------------------------
// Pages and values

// Decodes one column chunk's pages into a ColumnBuffer.
class ChunkDecoder {
 public:
  ChunkDecoder(const SchemaColumn& column, const ColumnChunkInfo& chunk, size_t rg, ColumnBuffer& out,
               DecodeBudget& budget)
      : col_(column),
        chunk_(chunk),
        out_(out),
        budget_(budget),
        where_("row group " + std::to_string(rg) + ", column '" + column.name + "'") {}

  // `data` holds the chunk's bytes, which start at file offset `base`.
  void decode(std::string_view data, uint64_t base) {
    const uint64_t want = static_cast<uint64_t>(chunk_.num_values);
    size_t pos = 0;
    bool first_page = true;
    while (values_ < want) {
      if (pos >= data.size())
        fail("column chunk ends at byte offset " + std::to_string(base + data.size()) + " after " +
             std::to_string(values_) + " of " + std::to_string(want) + " values");
      const uint64_t page_offset = base + pos;
      ThriftCompactReader r(data.substr(pos), page_offset, where_ + ": page header");
      const PageHeader h = read_page_header(r);
      pos += r.position();
      if (static_cast<uint64_t>(h.compressed_size) > data.size() - pos)
        fail("page at byte offset " + std::to_string(page_offset) + " is truncated: its body needs " +
             std::to_string(h.compressed_size) + " bytes, the column chunk has " + std::to_string(data.size() - pos) +
             " left");
      const std::string_view body = data.substr(pos, static_cast<size_t>(h.compressed_size));
      pos += body.size();
      page_where_ = where_ + ", page at byte offset " + std::to_string(page_offset);
      switch (h.type) {
        case PageType::DICTIONARY_PAGE:
          if (!first_page) page_fail("a dictionary page must be the chunk's first page");
          require_type_header(h);
          read_dictionary(h, body);
          break;
        case PageType::DATA_PAGE:
          require_type_header(h);
          read_data_page_v1(h, body, want);
          break;
        case PageType::DATA_PAGE_V2:
          require_type_header(h);
          read_data_page_v2(h, body, want);
          break;
        default: break;  // index pages and unknown page types carry no values
      }
      first_page = false;
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw FormatError(where_ + ": " + what); }
  [[noreturn]] void page_fail(const std::string& what) const { throw FormatError(page_where_ + ": " + what); }

  // Whether `bytes` more fit in the row group's budget (see DecodeBudget).
  bool fits(uint64_t bytes) const { return bytes <= budget_.limit - budget_.used; }
  [[noreturn]] void over_budget(uint64_t bytes) const {
    page_fail("decoding needs " + std::to_string(bytes) + " more bytes, past the row group's limit of " +
              std::to_string(budget_.limit) + " (" + std::to_string(kDecodeExpansion) + " times the file's " +
              std::to_string(budget_.file_size) + " bytes, at least " + std::to_string(kMinDecodeBudget >> 20) +
              " MiB)");
  }
  void charge(uint64_t bytes) {
    if (!fits(bytes)) over_budget(bytes);
    budget_.used += bytes;
  }
  // String bytes about to be appended: charged, and kept addressable by the 32-bit offsets.
  void charge_strings(uint64_t bytes) {
    if (bytes > UINT32_MAX - out_.bytes.size())
      page_fail("column strings pass 4 GiB (" + std::to_string(out_.bytes.size() + bytes) + " bytes)");
    charge(bytes);
  }

  void require_type_header(const PageHeader& h) const {
    if (!h.has_type_header) page_fail("page header lacks the header for its page type");
  }

  std::string_view decompressed(std::string_view compressed, size_t uncompressed_size) {
    // A body of zero bytes is an empty page whatever the codec (parquet-mr 1.13 writes v2 pages
    // whose values section is empty: all their levels say NULL); no codec compresses to nothing.
    if (compressed.empty()) return compressed;
    if (chunk_.codec == Codec::UNCOMPRESSED) {
      if (compressed.size() != uncompressed_size)
        page_fail("uncompressed page of " + std::to_string(compressed.size()) + " bytes declares " +
                  std::to_string(uncompressed_size));
      return compressed;
    }
    // The page buffer is reused, not kept: it must fit next to what is decoded, not be charged.
    if (!fits(uncompressed_size)) over_budget(uncompressed_size);
    try {
      decompress_into(chunk_.codec, compressed, uncompressed_size, page_buffer_);
    } catch (const FormatError& e) {
      page_fail(e.what());
    }
    if (page_buffer_.size() != uncompressed_size)
      page_fail("decompressed to " + std::to_string(page_buffer_.size()) + " bytes, the header says " +
                std::to_string(uncompressed_size));
    return page_buffer_;
  }

  // Plain-encoded dictionary entries, converted once to the output representation.
  void read_dictionary(const PageHeader& h, std::string_view body) {
    if (h.encoding != Encoding::PLAIN && h.encoding != Encoding::PLAIN_DICTIONARY)
      page_fail("dictionary page encoding " + name_of(h.encoding) + " is not supported");
    if (h.num_values < 0) page_fail("dictionary page has a negative num_values");
    const std::string_view data = decompressed(body, static_cast<size_t>(h.uncompressed_size));
    // Kept for the whole chunk: entries (FLOAT widens to 8 bytes) and string offsets.
    charge(2 * static_cast<uint64_t>(data.size()));
    const auto n = static_cast<size_t>(h.num_values);
    dict_size_ = n;
    has_dict_ = true;
    size_t pos = 0;
    switch (col_.type) {
      case PhysicalType::BYTE_ARRAY:
        dict_bytes_.clear();
        dict_offsets_.assign(1, 0);
        for (size_t i = 0; i < n; ++i) {
          const std::string_view v = plain_byte_array(data, pos, i, "dictionary entry");
          dict_bytes_.append(v);
          dict_offsets_.push_back(static_cast<uint32_t>(dict_bytes_.size()));
        }
        break;
      case PhysicalType::FIXED_LEN_BYTE_ARRAY:
      case PhysicalType::INT96: {
        need_fixed(data, pos, n, "dictionary page");
        const size_t w = fixed_width();
        dict_bytes_.assign(data.substr(0, n * w));
        dict_offsets_.resize(n + 1);
        for (size_t i = 0; i <= n; ++i) dict_offsets_[i] = static_cast<uint32_t>(i * w);
        break;
      }
      case PhysicalType::DOUBLE:
      case PhysicalType::FLOAT:
        dict_doubles_.clear();
        need_fixed(data, pos, n, "dictionary page");
        for (size_t i = 0; i < n; ++i) dict_doubles_.push_back(plain_double(data, pos));
        break;
      case PhysicalType::INT64:
      case PhysicalType::INT32:
        dict_ints_.clear();
        need_fixed(data, pos, n, "dictionary page");
        for (size_t i = 0; i < n; ++i) dict_ints_.push_back(plain_int(data, pos));
        break;
      default: page_fail("dictionary for physical type " + name_of(col_.type) + " is not supported");
    }
  }

  void read_data_page_v1(const PageHeader& h, std::string_view body, uint64_t want) {
    const size_t n = page_values(h, want);
    const std::string_view data = decompressed(body, static_cast<size_t>(h.uncompressed_size));
    size_t pos = 0;
    const uint32_t* levels = nullptr;
    if (col_.repetition == Repetition::OPTIONAL && n > 0) {
      levels_.resize(n);
      if (h.definition_level_encoding == Encoding::RLE) {
        if (data.size() < 4) page_fail("definition levels: missing 4-byte length");
        const uint32_t len = load_u32(data.data());
        if (len > data.size() - 4)
          page_fail("definition levels length " + std::to_string(len) + " exceeds the page's remaining " +
                    std::to_string(data.size() - 4) + " bytes");
        RleHybridDecoder d(data.substr(4, len), 1);
        if (!d.decode(levels_.data(), n)) page_fail("definition levels end before " + std::to_string(n) + " values");
        pos = 4 + len;
      } else if (h.definition_level_encoding == Encoding::BIT_PACKED) {
        // Deprecated: one bit per level, most significant bit first, no length prefix.
        const size_t bytes = (n + 7) / 8;
        if (bytes > data.size()) page_fail("definition levels end before " + std::to_string(n) + " values");
        for (size_t i = 0; i < n; ++i) levels_[i] = (static_cast<uint8_t>(data[i / 8]) >> (7 - i % 8)) & 1;
        pos = bytes;
      } else {
        page_fail("definition level encoding " + name_of(h.definition_level_encoding) + " is not supported");
      }
      levels = levels_.data();
    }
    read_values(h.encoding, data.substr(pos), levels, n);
    values_ += n;
  }

  void read_data_page_v2(const PageHeader& h, std::string_view body, uint64_t want) {
    const size_t n = page_values(h, want);
    const auto rep_len = static_cast<size_t>(h.repetition_levels_byte_length);
    const auto def_len = static_cast<size_t>(h.definition_levels_byte_length);
    if (rep_len > body.size() || def_len > body.size() - rep_len)
      page_fail("levels of " + std::to_string(rep_len + def_len) + " bytes exceed the page body of " +
                std::to_string(body.size()) + " bytes");
    if (static_cast<size_t>(h.uncompressed_size) < rep_len + def_len)
      page_fail("uncompressed_page_size " + std::to_string(h.uncompressed_size) + " is smaller than the levels");
    // Levels come first and are never compressed; rep levels are absent for flat columns.
    const std::string_view def = body.substr(rep_len, def_len);
    const uint32_t* levels = nullptr;
    if (col_.repetition == Repetition::OPTIONAL && n > 0) {
      levels_.resize(n);
      RleHybridDecoder d(def, 1);
      if (!d.decode(levels_.data(), n)) page_fail("definition levels end before " + std::to_string(n) + " values");
      levels = levels_.data();
    }
    const std::string_view values_body = body.substr(rep_len + def_len);
    const size_t values_size = static_cast<size_t>(h.uncompressed_size) - rep_len - def_len;
    // No values at all (every level NULL): nothing to decompress, whatever the body holds (Arrow
    // compresses the empty values section, parquet-mr 1.13 leaves it empty).
    const std::string_view data = values_size == 0  ? std::string_view()
                                  : h.is_compressed ? decompressed(values_body, values_size)
                                                    : values_body;
    const size_t nulls = read_values(h.encoding, data, levels, n);
    if (nulls != static_cast<size_t>(h.num_nulls))
      page_fail("the page header counts " + std::to_string(h.num_nulls) + " nulls, the definition levels " +
                std::to_string(nulls));
    values_ += n;
  }

  size_t page_values(const PageHeader& h, uint64_t want) {
    if (h.num_values < 0) page_fail("data page has a negative num_values");
    if (static_cast<uint64_t>(h.num_values) > want - values_)
      page_fail("page holds " + std::to_string(h.num_values) + " values, more than the " +
                std::to_string(want - values_) + " the column chunk has left");
    charge(static_cast<uint64_t>(h.num_values) * kBytesPerValue);
    return static_cast<size_t>(h.num_values);
  }

  // Appends n values (levels[i] == 0: NULL) and returns the number of NULLs.
  size_t read_values(Encoding enc, std::string_view data, const uint32_t* levels, size_t n) {
    size_t present = n;
    if (levels) {
      present = 0;
      for (size_t i = 0; i < n; ++i) {
        if (levels[i] > 1) page_fail("definition level " + std::to_string(levels[i]) + " exceeds the maximum 1");
        present += levels[i];
      }
    }
    switch (enc) {
      case Encoding::PLAIN: read_plain(data, levels, n, present); break;
      case Encoding::PLAIN_DICTIONARY:
      case Encoding::RLE_DICTIONARY: read_dictionary_indices(data, levels, n, present); break;
      case Encoding::DELTA_BINARY_PACKED: read_delta_binary_packed(data, levels, n, present); break;
      case Encoding::BYTE_STREAM_SPLIT: read_byte_stream_split(data, levels, n, present); break;
      case Encoding::DELTA_LENGTH_BYTE_ARRAY:
      case Encoding::DELTA_BYTE_ARRAY: read_delta_byte_arrays(enc, data, levels, n, present); break;
      case Encoding::RLE:
        if (col_.type != PhysicalType::BOOLEAN) page_fail("RLE encoding is only supported for BOOLEAN values");
        read_rle_booleans(data, levels, n, present);
        break;
      default: page_fail("encoding " + name_of(enc) + " is not supported");
    }
    return n - present;
  }

  // Calls value(k) for the k-th present value, append_null() for the others.
  template <class Value>
  void emit(const uint32_t* levels, size_t n, Value&& value) {
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
      if (levels && levels[i] == 0) {
        out_.append_null();
      } else {
        value(k++);
      }
    }
  }

  // Bytes of a PLAIN value of the column's type, 0 for BYTE_ARRAY and BOOLEAN. A
  // FIXED_LEN_BYTE_ARRAY's type_length is positive (column_type_of() checked it).
  size_t fixed_width() const {
    switch (col_.type) {
      case PhysicalType::INT32:
      case PhysicalType::FLOAT: return 4;
      case PhysicalType::INT64:
      case PhysicalType::DOUBLE: return 8;
      case PhysicalType::INT96: return 12;
      case PhysicalType::FIXED_LEN_BYTE_ARRAY: return static_cast<size_t>(col_.type_length.value_or(1));
      default: return 0;
    }
  }

  void need_fixed(std::string_view data, size_t pos, size_t count, const char* what) const {
    const size_t w = fixed_width();
    if (count > (data.size() - pos) / w)
      page_fail(std::string(what) + " needs " + std::to_string(count) + " values of " + std::to_string(w) +
                " bytes, the page holds " + std::to_string(data.size() - pos) + " bytes");
  }

  // Fixed-width readers; need_fixed() has checked the bytes exist.
  double plain_double(std::string_view data, size_t& pos) const {
    if (col_.type == PhysicalType::FLOAT) {
      const uint32_t bits = load_u32(data.data() + pos);
      pos += 4;
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    const uint64_t bits = load_u64(data.data() + pos);
    pos += 8;
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }

  int64_t plain_int(std::string_view data, size_t& pos) const {
    if (col_.type == PhysicalType::INT32) {
      const uint32_t bits = load_u32(data.data() + pos);
      pos += 4;
      return int_value(bits);
    }
    const uint64_t bits = load_u64(data.data() + pos);
    pos += 8;
    return int_value(bits);
  }

  // The Int64/Timestamp value of an INT32 (low 32 bits) or INT64 column's raw bits.
  int64_t int_value(uint64_t bits) const {
    if (col_.type == PhysicalType::INT32) {
      const auto low = static_cast<uint32_t>(bits);
      return col_.is_unsigned ? int64_t{low} : int64_t{static_cast<int32_t>(low)};
    }
    const auto v = static_cast<int64_t>(bits);
    return col_.timestamp_unit ? timestamp_to_millis(v, *col_.timestamp_unit) : v;
  }

  std::string_view plain_byte_array(std::string_view data, size_t& pos, size_t i, const char* what) const {
    if (data.size() - pos < 4)
      page_fail(std::string(what) + " " + std::to_string(i) + ": length prefix past the end of the page");
    const uint32_t len = load_u32(data.data() + pos);
    pos += 4;
    if (len > data.size() - pos)
      page_fail(std::string(what) + " " + std::to_string(i) + ": length " + std::to_string(len) +
                " exceeds the page's remaining " + std::to_string(data.size() - pos) + " bytes");
    const std::string_view v = data.substr(pos, len);
    pos += len;
    return v;
  }

  void read_plain(std::string_view data, const uint32_t* levels, size_t n, size_t present) {
    size_t pos = 0;
    switch (col_.type) {
      case PhysicalType::BYTE_ARRAY:
        charge_strings(data.size());  // the strings are at most the page's bytes
        emit(levels, n, [&](size_t k) { out_.append_string(plain_byte_array(data, pos, k, "value")); });
        break;
      case PhysicalType::DOUBLE:
      case PhysicalType::FLOAT:
        need_fixed(data, 0, present, "PLAIN data");
        emit(levels, n, [&](size_t) { out_.append_double(plain_double(data, pos)); });
        break;
      case PhysicalType::INT64:
      case PhysicalType::INT32:
        need_fixed(data, 0, present, "PLAIN data");
        emit(levels, n, [&](size_t) { out_.append_int(plain_int(data, pos)); });
        break;
      case PhysicalType::FIXED_LEN_BYTE_ARRAY:
      case PhysicalType::INT96: {
        need_fixed(data, 0, present, "PLAIN data");
        const size_t w = fixed_width();
        charge_strings(present * w);
        emit(levels, n, [&](size_t k) { out_.append_string(data.substr(k * w, w)); });
        break;
      }
      case PhysicalType::BOOLEAN:
        if (present > data.size() * 8)
          page_fail("PLAIN booleans need " + std::to_string((present + 7) / 8) + " bytes, the page holds " +
                    std::to_string(data.size()));
        // Booleans are bit-packed LSB first, continuing across the page.
        emit(levels, n, [&](size_t k) { out_.append_int((static_cast<uint8_t>(data[k / 8]) >> (k % 8)) & 1); });
        break;
      default: page_fail("physical type " + name_of(col_.type) + " is not supported");
    }
  }

  void read_rle_booleans(std::string_view data, const uint32_t* levels, size_t n, size_t present) {
    if (data.size() < 4) page_fail("RLE booleans: missing 4-byte length");
    const uint32_t len = load_u32(data.data());
    if (len > data.size() - 4) page_fail("RLE booleans: length " + std::to_string(len) + " exceeds the page");
    indices_.resize(present);
    RleHybridDecoder d(data.substr(4, len), 1);
    if (!d.decode(indices_.data(), present))
      page_fail("RLE booleans end before " + std::to_string(present) + " values");
    emit(levels, n, [&](size_t k) { out_.append_int(indices_[k]); });
  }

  void read_delta_binary_packed(std::string_view data, const uint32_t* levels, size_t n, size_t present) {
    if (col_.type != PhysicalType::INT32 && col_.type != PhysicalType::INT64)
      page_fail("DELTA_BINARY_PACKED is only supported for INT32 and INT64 values");
    const std::string err = DeltaBinaryPackedDecoder(data).decode(present, deltas_);
    if (!err.empty()) page_fail("DELTA_BINARY_PACKED: " + err);
    emit(levels, n, [&](size_t k) { out_.append_int(int_value(deltas_[k])); });
  }

  void read_delta_byte_arrays(Encoding enc, std::string_view data, const uint32_t* levels, size_t n, size_t present) {
    if (col_.type != PhysicalType::BYTE_ARRAY && col_.type != PhysicalType::FIXED_LEN_BYTE_ARRAY)
      page_fail(name_of(enc) + " is only supported for BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY values");
    // Decoded within what the budget and the 32-bit string offsets leave, then charged.
    const uint64_t room = std::min<uint64_t>(budget_.limit - budget_.used, UINT32_MAX - out_.bytes.size());
    const std::string err = enc == Encoding::DELTA_BYTE_ARRAY
                                ? decode_delta_byte_array(data, present, room, delta_bytes_, delta_ends_)
                                : decode_delta_length_byte_array(data, present, room, delta_bytes_, delta_ends_);
    if (!err.empty()) page_fail(name_of(enc) + ": " + err);
    charge_strings(delta_bytes_.size());
    const auto value = [&](size_t k) {
      const uint32_t begin = k ? delta_ends_[k - 1] : 0;
      return std::string_view(delta_bytes_).substr(begin, delta_ends_[k] - begin);
    };
    if (col_.type == PhysicalType::FIXED_LEN_BYTE_ARRAY) {
      for (size_t k = 0; k < present; ++k)
        if (value(k).size() != fixed_width())
          page_fail(name_of(enc) + ": value " + std::to_string(k) + " of " + std::to_string(value(k).size()) +
                    " bytes in a FIXED_LEN_BYTE_ARRAY(" + std::to_string(fixed_width()) + ") column");
    }
    emit(levels, n, [&](size_t k) { out_.append_string(value(k)); });
  }

  // K streams of N bytes: N = the body's size / K, at least the page's non-null values.
  void read_byte_stream_split(std::string_view data, const uint32_t* levels, size_t n, size_t present) {
    const size_t w = fixed_width();
    if (w == 0)
      page_fail("BYTE_STREAM_SPLIT is only supported for FLOAT, DOUBLE, INT32, INT64 and FIXED_LEN_BYTE_ARRAY values");
    if (data.size() % w != 0)
      page_fail("BYTE_STREAM_SPLIT data of " + std::to_string(data.size()) + " bytes is not a multiple of the " +
                std::to_string(w) + "-byte value width");
    const size_t stride = data.size() / w;
    if (stride < present)
      page_fail("BYTE_STREAM_SPLIT data holds " + std::to_string(stride) + " values, the page needs " +
                std::to_string(present));
    if (col_.type == PhysicalType::FIXED_LEN_BYTE_ARRAY) {
      charge_strings(present * w);
      std::string bytes(w, '\0');
      emit(levels, n, [&](size_t k) {
        load_byte_stream_split(data.data(), stride, w, k, bytes.data());
        out_.append_string(bytes);
      });
      return;
    }
    if (col_.type == PhysicalType::INT96) page_fail("BYTE_STREAM_SPLIT is not defined for INT96 values");
    char value[8];
    const std::string_view one(value, w);
    if (col_.type == PhysicalType::DOUBLE || col_.type == PhysicalType::FLOAT) {
      emit(levels, n, [&](size_t k) {
        load_byte_stream_split(data.data(), stride, w, k, value);
        size_t pos = 0;
        out_.append_double(plain_double(one, pos));
      });
    } else {
      emit(levels, n, [&](size_t k) {
        load_byte_stream_split(data.data(), stride, w, k, value);
        size_t pos = 0;
        out_.append_int(plain_int(one, pos));
      });
    }
  }

  void read_dictionary_indices(std::string_view data, const uint32_t* levels, size_t n, size_t present) {
    if (!has_dict_) page_fail("dictionary-encoded page without a dictionary page");
    indices_.resize(present);
    if (present > 0) {
      if (data.empty()) page_fail("dictionary indices: missing bit width");
      const int bit_width = static_cast<uint8_t>(data[0]);
      if (bit_width > 32) page_fail("dictionary indices: bit width " + std::to_string(bit_width) + " exceeds 32");
      RleHybridDecoder d(data.substr(1), bit_width);
      if (!d.decode(indices_.data(), present))
        page_fail("dictionary indices end before " + std::to_string(present) + " values");
      for (size_t k = 0; k < present; ++k) {
        if (indices_[k] >= dict_size_)
          fail("dictionary index " + std::to_string(indices_[k]) + " out of range (dictionary has " +
               std::to_string(dict_size_) + " entries)");
      }
    }
    switch (col_.type) {
      case PhysicalType::BYTE_ARRAY:
      case PhysicalType::FIXED_LEN_BYTE_ARRAY:
      case PhysicalType::INT96: {
        // A long entry repeated by a run of indices is the other way to expand a few bytes.
        uint64_t bytes = 0;
        for (size_t k = 0; k < present; ++k) bytes += dict_offsets_[indices_[k] + 1] - dict_offsets_[indices_[k]];
        charge_strings(bytes);
        emit(levels, n, [&](size_t k) {
          const uint32_t i = indices_[k];
          out_.append_string(
              std::string_view(dict_bytes_).substr(dict_offsets_[i], dict_offsets_[i + 1] - dict_offsets_[i]));
        });
        break;
      }
      case PhysicalType::DOUBLE:
      case PhysicalType::FLOAT:
        emit(levels, n, [&](size_t k) { out_.append_double(dict_doubles_[indices_[k]]); });
        break;
      case PhysicalType::INT64:
      case PhysicalType::INT32: emit(levels, n, [&](size_t k) { out_.append_int(dict_ints_[indices_[k]]); }); break;
      default: page_fail("dictionary encoding for physical type " + name_of(col_.type) + " is not supported");
    }
  }

  const SchemaColumn& col_;
  const ColumnChunkInfo& chunk_;
  ColumnBuffer& out_;
  DecodeBudget& budget_;
  std::string where_;
  std::string page_where_;
  uint64_t values_ = 0;

  std::string page_buffer_;        // the current page, decompressed
  std::vector<uint32_t> levels_;   // definition levels of the current page
  std::vector<uint32_t> indices_;  // dictionary indices / RLE booleans of the current page
  std::vector<uint64_t> deltas_;   // DELTA_BINARY_PACKED values of the current page
  std::string delta_bytes_;        // DELTA_(LENGTH_)BYTE_ARRAY values of the current page
  std::vector<uint32_t> delta_ends_;
  bool has_dict_ = false;
  size_t dict_size_ = 0;
  std::string dict_bytes_;
  std::vector<uint32_t> dict_offsets_;
  std::vector<double> dict_doubles_;
  std::vector<int64_t> dict_ints_;
};

}  // namespace

void decode_column_chunk(const SchemaColumn& column, const ColumnChunkInfo& chunk, size_t row_group,
                         std::string_view data, uint64_t base, DecodeBudget& budget, ColumnBuffer& out) {
  ChunkDecoder(column, chunk, row_group, out, budget).decode(data, base);
}

}  // namespace aesync::parquet
