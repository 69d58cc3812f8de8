#include "parquet/column_chunk_writer.h"

#include <algorithm>
#include <climits>
#include <stdexcept>

#include "parquet/fixed_width_chunk_writer.h"
#include "parquet/parquet_reader.h"
#include "parquet/rle_hybrid.h"
#include "parquet/string_chunk_writer.h"
#include "parquet/thrift_compact_writer.h"
#include "parquet/thrift_ids.h"

namespace aesync::parquet {

namespace {

int32_t checked_page_size(size_t n, const std::string& column) {
  if (n > static_cast<size_t>(INT32_MAX))
    throw std::length_error("Parquet column '" + column + "': a page of " + std::to_string(n) +
                            " bytes exceeds the format's 2 GiB limit");
  return static_cast<int32_t>(n);
}

}  // namespace

std::unique_ptr<ColumnChunkWriter> make_column_chunk_writer(const LeafColumn& column, const WriterOptions& options) {
  switch (column.type) {
    case ColumnType::String: return std::make_unique<StringChunkWriter>(column, options);
    case ColumnType::Double: return std::make_unique<FixedWidthChunkWriter<double>>(column, options);
    case ColumnType::Int64:
    case ColumnType::Timestamp: return std::make_unique<FixedWidthChunkWriter<int64_t>>(column, options);
  }
  throw std::logic_error("ParquetWriter: column '" + column.name + "' has an unknown type");
}

int encoding_priority(ColumnType type) {
  switch (type) {
    case ColumnType::Double:
    case ColumnType::Int64:
    case ColumnType::Timestamp: return 0;
    case ColumnType::String: return 1;
  }
  return 1;
}

namespace {

int zstd_min_level(bool data_page, Encoding encoding, ColumnType type) {
  // Pages that pay for a higher zstd level than the default 1, measured on a 2M-row AE day
  // (bytes per row of the column, CPU seconds of their compression in the whole run):
  // - a number column's dictionary page (doubles in first-seen order, ~9 MB in): level 2 takes
  //   value2 from 3.28 to 2.97 and value1 from 2.52 to 2.48 for +0.01 s (level 3: 3.02, +0.04 s;
  //   level 5: 2.90, +0.11 s); string dictionaries gain nothing, and PLAIN/BYTE_STREAM_SPLIT
  //   double pages grow at level 3;
  // - DELTA_BINARY_PACKED pages (sorted timestamps, ~3 MB in): level 3 takes the timestamp from
  //   0.095 to 0.069 at no measurable cost (level 9: 0.035, +0.04 s).
  if (!data_page && type != ColumnType::String) return 2;
  if (data_page && encoding == Encoding::DELTA_BINARY_PACKED) return 3;
  return 0;
}

}  // namespace

int64_t ColumnChunkWriter::make_page(PageScratch& s, bool data_page, int32_t num_values, Encoding encoding,
                                     std::string& out) const {
  const int32_t uncompressed = checked_page_size(s.body.size(), column_.name);
  const std::string* payload = &s.body;
  if (options_.codec != Codec::UNCOMPRESSED) {
    s.compressor.compress(s.body, s.compressed, zstd_min_level(data_page, encoding, column_.type));
    payload = &s.compressed;
  }
  const int32_t compressed_size = checked_page_size(payload->size(), column_.name);

  namespace id = field::PageHeader;
  s.header.clear();
  ThriftCompactWriter w(s.header);
  w.begin_struct();  // PageHeader
  w.field_i32(id::kType, static_cast<int32_t>(data_page ? PageType::DATA_PAGE : PageType::DICTIONARY_PAGE));
  w.field_i32(id::kUncompressedPageSize, uncompressed);
  w.field_i32(id::kCompressedPageSize, compressed_size);
  if (data_page) {
    namespace data = field::DataPageHeader;
    w.field_struct(id::kDataPageHeader);
    w.field_i32(data::kNumValues, num_values);
    w.field_i32(data::kEncoding, static_cast<int32_t>(encoding));
    w.field_i32(data::kDefinitionLevelEncoding, static_cast<int32_t>(Encoding::RLE));
    w.field_i32(data::kRepetitionLevelEncoding, static_cast<int32_t>(Encoding::RLE));  // none: max level 0
    w.end_struct();
  } else {
    namespace dictionary = field::DictionaryPageHeader;
    w.field_struct(id::kDictionaryPageHeader);
    w.field_i32(dictionary::kNumValues, num_values);
    w.field_i32(dictionary::kEncoding, static_cast<int32_t>(encoding));
    w.end_struct();
  }
  w.end_struct();
  out.reserve(out.size() + s.header.size() + payload->size());
  out.append(s.header);
  out.append(*payload);
  return static_cast<int64_t>(s.header.size()) + uncompressed;
}

void ColumnChunkWriter::append_encoded(const ColumnBuffer& /*values*/, const uint8_t* /*defined*/, size_t /*begin*/,
                                       size_t /*end*/, size_t /*present*/, Encoding encoding, PageScratch& /*s*/,
                                       std::string& /*body*/) const {
  throw std::logic_error("Parquet column '" + column_.name + "': no " + name_of(encoding) + " encoder");
}

void ColumnChunkWriter::write_data_pages(PageScratch& s, const ColumnBuffer& values, size_t begin, size_t end,
                                         Encoding encoding, size_t dictionary_size, PageRun& run) const {
  const bool indexed = encoding == kDictionaryEncoding;
  const uint8_t* defined = column_.nullable ? values.defined.data() : nullptr;
  const int index_bits = indexed ? dictionary_index_bit_width(dictionary_size) : 0;
  // Rows of an indexed page: about `page_bytes` of bit-packed indices.
  const size_t indexed_rows =
      indexed ? std::min(std::max<size_t>(1, options_.page_bytes * 8 / static_cast<size_t>(index_bits)), kMaxPageRows)
              : 0;
  size_t value_pos = 0;  // index into s.indices of the page's first non-null value
  for (size_t b = begin; b < end;) {
    const size_t e = indexed ? std::min(end, b + indexed_rows) : plain_page_end(values, b, end);
    s.body.clear();
    size_t present = e - b;
    if (defined != nullptr) {
      encode_definition_levels(defined + b, e - b, s.body);
      present = 0;
      for (size_t i = b; i < e; ++i) present += defined[i];
    }
    if (indexed) {
      encode_dictionary_indices(s.indices.data() + value_pos, present, dictionary_size, s.body);
      value_pos += present;
    } else if (encoding == Encoding::PLAIN) {
      append_plain(values, defined, b, e, present, s.body);
    } else {
      append_encoded(values, defined, b, e, present, encoding, s, s.body);
    }
    std::string& page = run.add();
    run.uncompressed += make_page(s, true, static_cast<int32_t>(e - b), encoding, page);
    run.bytes += page.size();
    b = e;
  }
}

ColumnChunkMeta ColumnChunkWriter::write_pages(FileOutput& out, const std::string* dictionary_page,
                                               int64_t dictionary_uncompressed, const PageRun* value_pages,
                                               Encoding value_encoding) const {
  ColumnChunkMeta meta;
  meta.num_values = rows_;
  if (dictionary_page != nullptr) {
    meta.dictionary_page_offset = static_cast<int64_t>(out.offset);
    meta.total_uncompressed_size += dictionary_uncompressed;
    meta.total_compressed_size += static_cast<int64_t>(dictionary_page->size());
    out.write(*dictionary_page);
    meta.encodings |= kEncPlainDictionary;
  }
  meta.data_page_offset = static_cast<int64_t>(out.offset);
  // Indexed pages, then value pages (all of them, or those after a dictionary given up on the way).
  if (dictionary_page != nullptr) {
    meta.total_uncompressed_size += indexed_.uncompressed;
    meta.total_compressed_size += static_cast<int64_t>(indexed_.bytes);
    for (const std::string& page : indexed_.pages) out.write(page);
  }
  if (value_pages != nullptr && !value_pages->pages.empty()) {
    meta.total_uncompressed_size += value_pages->uncompressed;
    meta.total_compressed_size += static_cast<int64_t>(value_pages->bytes);
    for (const std::string& page : value_pages->pages) out.write(page);
    meta.encodings |= encoding_bit(value_encoding);
  }
  if (column_.nullable) meta.encodings |= kEncRle;
  return meta;
}

void ColumnChunkWriter::reset_pages() {
  rows_ = nulls_ = 0;
  dictionary_alive_ = true;
  indexed_.clear();
  plain_.clear();
  encoded_.clear();
}

}  // namespace aesync::parquet
