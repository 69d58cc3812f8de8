#include "parquet/parquet_writer.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "parquet/compression.h"
#include "parquet/rle_hybrid.h"
#include "parquet/statistics.h"
#include "parquet/string_dictionary.h"
#include "parquet/thrift_compact_writer.h"
#include "parquet/value_dictionary.h"
#include "util/version.h"

namespace aesync::parquet {

std::optional<Codec> codec_from_name(std::string_view name) {
  if (name == "zstd") return Codec::ZSTD;
  if (name == "snappy") return Codec::SNAPPY;
  if (name == "gzip") return Codec::GZIP;
  if (name == "none") return Codec::UNCOMPRESSED;
  return std::nullopt;
}

namespace {

// Bits of ChunkMeta::encodings.
constexpr unsigned kEncPlain = 1u << 0;
constexpr unsigned kEncPlainDictionary = 1u << 1;
constexpr unsigned kEncRle = 1u << 2;

// Encoding tag of the dictionary page and of the data pages that index it. PLAIN_DICTIONARY is
// the tag of format-1 files with v1 data pages, which every reader we target accepts.
constexpr Encoding kDictionaryEncoding = Encoding::PLAIN_DICTIONARY;

PhysicalType physical_type(ColumnType t) {
  switch (t) {
    case ColumnType::String: return PhysicalType::BYTE_ARRAY;
    case ColumnType::Double: return PhysicalType::DOUBLE;
    case ColumnType::Int64:
    case ColumnType::Timestamp: return PhysicalType::INT64;
  }
  return PhysicalType::BYTE_ARRAY;
}

struct Column {
  std::string name;
  ColumnType type;
  bool nullable;
};

// What the footer needs to know about one written column chunk.
struct ChunkMeta {
  unsigned encodings = 0;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  ChunkStatistics stats;
};

void put_u32(std::string& out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}

int32_t checked_page_size(size_t n, const std::string& column) {
  if (n > static_cast<size_t>(INT32_MAX))
    throw std::length_error("Parquet column '" + column + "': a page of " + std::to_string(n) +
                            " bytes exceeds the format's 2 GiB limit");
  return static_cast<int32_t>(n);
}

void write_statistics(ThriftCompactWriter& w, int16_t field, const ChunkStatistics& st) {
  w.field_struct(field);
  if (st.min_value && st.legacy_min_max) {
    w.field_binary(1, *st.max_value);  // max (deprecated, signed order)
    w.field_binary(2, *st.min_value);  // min (deprecated, signed order)
  }
  w.field_i64(3, st.null_count);
  if (st.min_value) {
    w.field_binary(5, *st.max_value);
    w.field_binary(6, *st.min_value);
    // The bounds are the actual values, never truncated (too long -> omitted).
    w.field_bool(7, true);  // is_max_value_exact
    w.field_bool(8, true);  // is_min_value_exact
  }
  if (st.nan_count) w.field_i64(9, *st.nan_count);
  w.end_struct();
}

}  // namespace

struct ParquetWriter::Impl {
  Impl(const Schema& schema, WriterOptions opts, ByteSink& out)
      : options(std::move(opts)), sink(out), compressor(options.codec, options.compression_level) {
    if (schema.columns.empty()) throw std::logic_error("ParquetWriter: the schema has no columns");
    for (const ColumnSpec& c : schema.columns) columns.push_back(Column{c.name, c.type, c.nullable()});
    if (options.created_by.empty()) options.created_by = aesync::created_by();
    if (options.page_bytes == 0) options.page_bytes = 1;
    chunks.resize(columns.size());
  }

  WriterOptions options;
  ByteSink& sink;
  Compressor compressor;
  std::vector<Column> columns;

  uint64_t offset = 0;  // bytes written to the sink by this writer = the current file offset
  uint64_t rows = 0;
  size_t row_group_count = 0;
  std::string row_groups_bytes;  // the RowGroup structs written so far, Thrift-encoded
  bool closed = false;
  bool broken = false;  // a write threw: the output is incomplete, refuse to go on

  // Scratch reused across pages, chunks and row groups.
  std::vector<ChunkMeta> chunks;
  StringDictionary dictionary;
  ValueDictionary values;
  std::vector<uint32_t> indices;
  std::string body, compressed, header;
  std::string dictionary_candidate, plain_candidate;  // numeric chunks encoded both ways

  void emit(const void* data, size_t n) {
    sink.write(data, n);
    offset += n;
  }

  // Pages go to the sink, or into `capture` (a candidate chunk compared before one is emitted);
  // either way `position` is the file offset the next page will have.
  uint64_t position(const std::string* capture) const { return offset + (capture ? capture->size() : 0); }
  void put(std::string* capture, const void* data, size_t n) {
    if (capture)
      capture->append(static_cast<const char*>(data), n);
    else
      emit(data, n);
  }

  void check_usable(const char* what) const {
    if (closed) throw std::logic_error(std::string("ParquetWriter::") + what + " after close()");
    if (broken) throw std::logic_error(std::string("ParquetWriter::") + what + " after a failed write");
  }

  // Compresses `body` and writes header + body. `data_page` selects the header kind.
  void write_page(const Column& col, ChunkMeta& meta, bool data_page, int32_t num_values, Encoding encoding,
                  std::string* capture) {
    const int32_t uncompressed = checked_page_size(body.size(), col.name);
    const std::string* payload = &body;
    if (options.codec != Codec::UNCOMPRESSED) {
      compressor.compress(body, compressed);
      payload = &compressed;
    }
    const int32_t compressed_size = checked_page_size(payload->size(), col.name);

    header.clear();
    ThriftCompactWriter w(header);
    w.begin_struct();  // PageHeader
    w.field_i32(1, static_cast<int32_t>(data_page ? PageType::DATA_PAGE : PageType::DICTIONARY_PAGE));
    w.field_i32(2, uncompressed);
    w.field_i32(3, compressed_size);
    if (data_page) {
      w.field_struct(5);  // DataPageHeader
      w.field_i32(1, num_values);
      w.field_i32(2, static_cast<int32_t>(encoding));
      w.field_i32(3, static_cast<int32_t>(Encoding::RLE));  // definition levels
      w.field_i32(4, static_cast<int32_t>(Encoding::RLE));  // repetition levels (none: max level 0)
      w.end_struct();
    } else {
      w.field_struct(7);  // DictionaryPageHeader
      w.field_i32(1, num_values);
      w.field_i32(2, static_cast<int32_t>(encoding));
      w.end_struct();
    }
    w.end_struct();

    const auto at = static_cast<int64_t>(position(capture));
    if (data_page && meta.data_page_offset == 0) meta.data_page_offset = at;
    if (!data_page) meta.dictionary_page_offset = at;
    meta.total_uncompressed_size += static_cast<int64_t>(header.size()) + uncompressed;
    meta.total_compressed_size += static_cast<int64_t>(header.size()) + compressed_size;
    put(capture, header.data(), header.size());
    put(capture, payload->data(), payload->size());
  }

  // Rows [begin, end) of a page: about `page_bytes` of encoded values, at least one row.
  size_t page_end(const ColumnBuffer& c, size_t begin, size_t n, bool dictionary, int index_bits) const {
    const size_t page_bytes = options.page_bytes;
    // Even a page of 1-bit indices stays far below the i32 limits of a page header.
    constexpr size_t kMaxPageRows = size_t{1} << 28;
    size_t limit;
    if (dictionary) {
      limit = std::max<size_t>(1, page_bytes * 8 / static_cast<size_t>(index_bits));
    } else if (c.type != ColumnType::String) {
      limit = std::max<size_t>(1, page_bytes / 8);
    } else {
      // PLAIN strings: 4-byte length + bytes per value; NULLs cost nothing.
      const uint32_t* off = c.offsets.data();
      size_t bytes = 0;
      size_t i = begin;
      while (i < n && bytes < page_bytes && i - begin < kMaxPageRows) {
        if (!c.is_null(i)) bytes += 4 + (off[i + 1] - off[i]);
        ++i;
      }
      return i;
    }
    limit = std::min(limit, kMaxPageRows);
    return std::min(n, begin + limit);
  }

  // Builds `values`, the dictionary of a numeric chunk, and its `indices`. False when the chunk
  // has too many distinct values for a dictionary to pay off (more than a quarter of its values,
  // or nearly all of its first 4096 distinct, or past the dictionary limit).
  bool build_value_dictionary(const ColumnBuffer& c, const uint8_t* defined, size_t n) {
    const uint64_t* bits = c.type == ColumnType::Double ? reinterpret_cast<const uint64_t*>(c.doubles.data())
                                                         : reinterpret_cast<const uint64_t*>(c.ints.data());
    size_t present = n;
    if (defined != nullptr) present = static_cast<size_t>(std::count(defined, defined + n, uint8_t{1}));
    const size_t cap = std::min(present / 4, options.dictionary_limit_bytes / 8);
    constexpr size_t kProbe = 4096;
    values.clear();
    indices.clear();
    indices.reserve(present);
    for (size_t i = 0; i < n; ++i) {
      if (defined != nullptr && !defined[i]) continue;
      indices.push_back(values.insert(bits[i]));
      if (values.size() > cap || (indices.size() == kProbe && values.size() > kProbe * 9 / 10)) return false;
    }
    return values.size() > 0;
  }

  void write_chunk(const Column& col, const ColumnBuffer& c, size_t n, ChunkMeta& meta) {
    meta = ChunkMeta{};
    meta.num_values = static_cast<int64_t>(n);
    const uint8_t* defined = col.nullable ? c.defined.data() : nullptr;

    // 1. Analyse: statistics and a dictionary (strings: abandoned past the limit; numbers: only
    //    for low-cardinality chunks).
    if (c.type == ColumnType::String) {
      dictionary.clear();
      indices.clear();
      int64_t nulls = 0;
      bool fits = true;
      const size_t limit = options.dictionary_limit_bytes;
      for (size_t i = 0; i < n; ++i) {
        if (defined != nullptr && !defined[i]) {
          ++nulls;
          continue;
        }
        indices.push_back(dictionary.insert(c.string_at(i)));
        if (dictionary.plain_bytes() > limit) {
          fits = false;
          break;
        }
      }
      StringMinMax mm;
      if (fits) {
        for (std::string_view e : dictionary.entries()) mm.add(e);
      } else {
        nulls = 0;
        for (size_t i = 0; i < n; ++i) {
          if (defined != nullptr && !defined[i]) {
            ++nulls;
            continue;
          }
          mm.add(c.string_at(i));
        }
      }
      meta.stats = mm.finish(nulls, options.max_statistics_bytes);
      // A chunk with no value at all gets no dictionary page (it would be empty).
      write_pages(col, c, n, meta, fits && dictionary.size() > 0, nullptr);
      return;
    }

    meta.stats = c.type == ColumnType::Double ? double_statistics(c.doubles.data(), defined, n)
                                              : int64_statistics(c.ints.data(), defined, n);
    if (!build_value_dictionary(c, defined, n)) {
      write_pages(col, c, n, meta, false, nullptr);
      return;
    }
    // Few distinct numbers: a dictionary usually compresses better (percentages with two
    // decimals), but PLAIN wins on runs zstd already squeezes (sorted timestamps). Both are
    // encoded and compressed, and the smaller chunk is written.
    ChunkMeta plain_meta = meta;
    dictionary_candidate.clear();
    plain_candidate.clear();
    write_pages(col, c, n, meta, true, &dictionary_candidate);
    write_pages(col, c, n, plain_meta, false, &plain_candidate);
    if (plain_candidate.size() < dictionary_candidate.size()) {
      meta = plain_meta;
      emit(plain_candidate.data(), plain_candidate.size());
    } else {
      emit(dictionary_candidate.data(), dictionary_candidate.size());
    }
  }

  // 2.-3. The chunk's pages: the dictionary page (when `use_dictionary`; its entries are in
  // `dictionary` or `values`, the non-null values' `indices` alongside), then data pages.
  void write_pages(const Column& col, const ColumnBuffer& c, size_t n, ChunkMeta& meta, bool use_dictionary,
                   std::string* capture) {
    const uint8_t* defined = col.nullable ? c.defined.data() : nullptr;
    int index_bits = 0;
    if (use_dictionary) {
      body.clear();
      size_t entries;
      if (c.type == ColumnType::String) {
        body.reserve(dictionary.plain_bytes());
        for (std::string_view e : dictionary.entries()) {
          put_u32(body, static_cast<uint32_t>(e.size()));
          body.append(e);
        }
        entries = dictionary.size();
      } else {
        const std::vector<uint64_t>& e = values.entries();
        body.assign(reinterpret_cast<const char*>(e.data()), e.size() * 8);
        entries = e.size();
      }
      write_page(col, meta, false, static_cast<int32_t>(entries), kDictionaryEncoding, capture);
      index_bits = dictionary_index_bit_width(entries);
      meta.encodings |= kEncPlainDictionary;
    } else {
      meta.encodings |= kEncPlain;
    }
    if (defined != nullptr) meta.encodings |= kEncRle;
    const size_t dictionary_size = c.type == ColumnType::String ? dictionary.size() : values.size();

    size_t value_pos = 0;  // index into `indices` of the page's first non-null value
    for (size_t begin = 0; begin < n;) {
      const size_t end = page_end(c, begin, n, use_dictionary, index_bits);
      body.clear();
      size_t present = end - begin;
      if (defined != nullptr) {
        encode_definition_levels(defined + begin, end - begin, body);
        present = 0;
        for (size_t i = begin; i < end; ++i) present += defined[i];
      }
      if (use_dictionary) {
        encode_dictionary_indices(indices.data() + value_pos, present, dictionary_size, body);
        value_pos += present;
      } else if (c.type == ColumnType::String) {
        for (size_t i = begin; i < end; ++i) {
          if (defined != nullptr && !defined[i]) continue;
          const std::string_view v = c.string_at(i);
          put_u32(body, static_cast<uint32_t>(v.size()));
          body.append(v);
        }
      } else {
        // DOUBLE and INT64 share the PLAIN layout: 8 little-endian bytes per value.
        const char* src = c.type == ColumnType::Double ? reinterpret_cast<const char*>(c.doubles.data())
                                                       : reinterpret_cast<const char*>(c.ints.data());
        if (defined == nullptr) {
          body.append(src + begin * 8, (end - begin) * 8);
        } else {
          const size_t pos = body.size();
          body.resize(pos + present * 8);
          char* dst = body.data() + pos;
          for (size_t i = begin; i < end; ++i) {
            if (!defined[i]) continue;
            std::memcpy(dst, src + i * 8, 8);
            dst += 8;
          }
        }
      }
      write_page(col, meta, true, static_cast<int32_t>(end - begin),
                 use_dictionary ? kDictionaryEncoding : Encoding::PLAIN, capture);
      begin = end;
    }
  }

  void validate(const RowBatch& batch) const {
    if (batch.rows == 0) throw std::logic_error("ParquetWriter::write_row_group: empty batch (no empty row groups)");
    if (batch.columns.size() != columns.size())
      throw std::logic_error("ParquetWriter::write_row_group: batch has " + std::to_string(batch.columns.size()) +
                             " columns, schema has " + std::to_string(columns.size()));
    for (size_t k = 0; k < columns.size(); ++k) {
      const ColumnBuffer& c = batch.columns[k];
      const Column& col = columns[k];
      const std::string where = "ParquetWriter::write_row_group: column '" + col.name + "' ";
      if (c.type != col.type) throw std::logic_error(where + "has the wrong type");
      if (c.nullable != col.nullable) throw std::logic_error(where + "has the wrong nullability");
      if (c.size() != batch.rows || (col.nullable && c.defined.size() != batch.rows))
        throw std::logic_error(where + "holds " + std::to_string(c.size()) + " values for " +
                               std::to_string(batch.rows) + " rows");
    }
  }

  void write_row_group(const RowBatch& batch) {
    check_usable("write_row_group");
    validate(batch);
    broken = true;
    const auto row_group_offset = static_cast<int64_t>(offset);
    int64_t total_uncompressed = 0, total_compressed = 0;
    for (size_t k = 0; k < columns.size(); ++k) {
      write_chunk(columns[k], batch.columns[k], batch.rows, chunks[k]);
      total_uncompressed += chunks[k].total_uncompressed_size;
      total_compressed += chunks[k].total_compressed_size;
    }

    ThriftCompactWriter w(row_groups_bytes);
    w.begin_struct();  // RowGroup
    w.field_list(1, ThriftType::STRUCT, columns.size());
    for (size_t k = 0; k < columns.size(); ++k) {
      const ChunkMeta& m = chunks[k];
      w.begin_struct();  // ColumnChunk
      // file_offset: deprecated; 0 = "no ColumnMetaData outside the footer" (current spec).
      w.field_i64(2, 0);
      w.field_struct(3);  // ColumnMetaData
      w.field_i32(1, static_cast<int32_t>(physical_type(columns[k].type)));
      const int n_enc = std::popcount(m.encodings);
      w.field_list(2, ThriftType::I32, static_cast<size_t>(n_enc));
      if (m.encodings & kEncPlainDictionary) w.i32(static_cast<int32_t>(kDictionaryEncoding));
      if (m.encodings & kEncPlain) w.i32(static_cast<int32_t>(Encoding::PLAIN));
      if (m.encodings & kEncRle) w.i32(static_cast<int32_t>(Encoding::RLE));
      w.field_list(3, ThriftType::BINARY, 1);
      w.binary(columns[k].name);
      w.field_i32(4, static_cast<int32_t>(options.codec));
      w.field_i64(5, m.num_values);
      w.field_i64(6, m.total_uncompressed_size);
      w.field_i64(7, m.total_compressed_size);
      w.field_i64(9, m.data_page_offset);
      if (m.dictionary_page_offset) w.field_i64(11, *m.dictionary_page_offset);
      write_statistics(w, 12, m.stats);
      w.end_struct();  // ColumnMetaData
      w.end_struct();  // ColumnChunk
    }
    w.field_i64(2, total_uncompressed);
    w.field_i64(3, static_cast<int64_t>(batch.rows));
    w.field_i64(5, row_group_offset);
    w.field_i64(6, total_compressed);
    w.end_struct();  // RowGroup

    rows += batch.rows;
    ++row_group_count;
    broken = false;
  }

  void close() {
    check_usable("close");
    broken = true;
    std::string meta;
    meta.reserve(row_groups_bytes.size() + 256 + 64 * columns.size());
    ThriftCompactWriter w(meta);
    w.begin_struct();  // FileMetaData
    w.field_i32(1, 1);  // version
    w.field_list(2, ThriftType::STRUCT, columns.size() + 1);
    w.begin_struct();  // root SchemaElement
    w.field_binary(4, "schema");
    w.field_i32(5, static_cast<int32_t>(columns.size()));
    w.end_struct();
    for (const Column& col : columns) {
      w.begin_struct();  // leaf SchemaElement
      w.field_i32(1, static_cast<int32_t>(physical_type(col.type)));
      w.field_i32(3, static_cast<int32_t>(col.nullable ? Repetition::OPTIONAL : Repetition::REQUIRED));
      w.field_binary(4, col.name);
      if (col.type == ColumnType::String) {
        w.field_i32(6, static_cast<int32_t>(ConvertedType::UTF8));
        w.field_struct(10);  // LogicalType
        w.field_struct(1);   // STRING: StringType {}
        w.end_struct();
        w.end_struct();
      } else if (col.type == ColumnType::Timestamp) {
        w.field_i32(6, static_cast<int32_t>(ConvertedType::TIMESTAMP_MILLIS));
        w.field_struct(10);  // LogicalType
        w.field_struct(8);   // TIMESTAMP: TimestampType
        w.field_bool(1, true);  // isAdjustedToUTC
        w.field_struct(2);      // unit: TimeUnit
        w.field_struct(1);      // MILLIS: MilliSeconds {}
        w.end_struct();
        w.end_struct();
        w.end_struct();
        w.end_struct();
      }
      // Int64 and Double carry no annotation: every reader maps plain INT64 / DOUBLE to a
      // signed 64-bit integer / float64.
      w.end_struct();
    }
    w.field_i64(3, static_cast<int64_t>(rows));
    w.field_list(4, ThriftType::STRUCT, row_group_count);
    w.raw(row_groups_bytes);
    w.field_binary(6, options.created_by);
    w.field_list(7, ThriftType::STRUCT, columns.size());
    for (size_t k = 0; k < columns.size(); ++k) {
      w.begin_struct();    // ColumnOrder
      w.field_struct(1);   // TYPE_ORDER: TypeDefinedOrder {}
      w.end_struct();
      w.end_struct();
    }
    w.end_struct();  // FileMetaData

    put_u32(meta, static_cast<uint32_t>(meta.size()));
    meta.append(kMagic, 4);
    emit(meta.data(), meta.size());
    closed = true;
    broken = false;
  }
};

ParquetWriter::ParquetWriter(const Schema& schema, WriterOptions options, ByteSink& sink)
    : impl_(std::make_unique<Impl>(schema, std::move(options), sink)) {
  impl_->emit(kMagic, 4);
}

ParquetWriter::~ParquetWriter() = default;

void ParquetWriter::write_row_group(const RowBatch& batch) { impl_->write_row_group(batch); }

void ParquetWriter::close() { impl_->close(); }

uint64_t ParquetWriter::rows_written() const { return impl_->rows; }

size_t ParquetWriter::row_groups_written() const { return impl_->row_group_count; }

}  // namespace aesync::parquet
