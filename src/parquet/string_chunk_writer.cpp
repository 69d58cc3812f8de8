#include "parquet/string_chunk_writer.h"

#include "parquet/statistics.h"

namespace aesync::parquet {

void StringChunkWriter::encode(const ColumnBuffer& values, size_t begin, size_t end, PageScratch& s) {
  const uint8_t* defined = column_.nullable ? values.defined.data() : nullptr;
  rows_ += static_cast<int64_t>(end - begin);
  s.indices.clear();
  if (dictionary_alive_) {
    // Values are hashed kAhead rows before they are inserted, and their slots prefetched.
    constexpr size_t kAhead = 8;
    uint64_t hashes[kAhead];
    for (size_t i = begin; i < end && i < begin + kAhead; ++i) {
      hashes[i % kAhead] = StringDictionary::hash(values.string_at(i));
      strings_.prefetch(hashes[i % kAhead]);
    }
    for (size_t i = begin; i < end; ++i) {
      const uint64_t h = hashes[i % kAhead];
      if (i + kAhead < end) {
        hashes[i % kAhead] = StringDictionary::hash(values.string_at(i + kAhead));
        strings_.prefetch(hashes[i % kAhead]);
      }
      if (defined != nullptr && !defined[i]) continue;
      s.indices.push_back(strings_.insert(values.string_at(i), h));
      if (strings_.plain_bytes() > options_.dictionary_limit_bytes) {
        // Past the limit: this batch and the rest of the chunk are written PLAIN.
        dictionary_alive_ = false;
        break;
      }
    }
  }
  // Only NULLs so far: PLAIN for the whole chunk.
  if (strings_.size() == 0) dictionary_alive_ = false;
  if (dictionary_alive_) {
    if (defined != nullptr) nulls_ += static_cast<int64_t>((end - begin) - s.indices.size());
    write_data_pages(s, values, begin, end, kDictionaryEncoding, strings_.size(), indexed_);
    return;
  }
  for (size_t i = begin; i < end; ++i) {
    if (defined != nullptr && !defined[i]) {
      ++nulls_;
      continue;
    }
    add_bound(values.string_at(i));
  }
  write_data_pages(s, values, begin, end, Encoding::PLAIN, 0, plain_);
}

ColumnChunkMeta StringChunkWriter::write(FileOutput& out, PageScratch& s) {
  const bool use_dictionary = !indexed_.pages.empty();
  std::string page;
  int64_t dictionary_uncompressed = 0;
  if (use_dictionary) {
    s.body.clear();
    s.body.reserve(strings_.plain_bytes());
    for (size_t i = 0; i < strings_.size(); ++i) {
      const std::string_view e = strings_.entry(i);
      put_u32(s.body, static_cast<uint32_t>(e.size()));
      s.body.append(e);
    }
    dictionary_uncompressed = make_page(s, false, static_cast<int32_t>(strings_.size()), kDictionaryEncoding, page);
  }
  ColumnChunkMeta meta =
      write_pages(out, use_dictionary ? &page : nullptr, dictionary_uncompressed, &plain_, Encoding::PLAIN);

  if (use_dictionary)
    for (size_t i = 0; i < strings_.size(); ++i) add_bound(strings_.entry(i));
  StringMinMax mm;
  if (any_) {
    mm.add(lo_);
    mm.add(hi_);
  }
  meta.stats = mm.finish(nulls_, options_.max_statistics_bytes);

  reset_pages();
  strings_.clear();
  any_ = false;
  return meta;
}

size_t StringChunkWriter::plain_page_end(const ColumnBuffer& values, size_t begin, size_t end) const {
  // 4-byte length + bytes per value; NULLs cost nothing.
  const uint32_t* off = values.offsets.data();
  size_t bytes = 0;
  size_t i = begin;
  while (i < end && bytes < options_.page_bytes && i - begin < kMaxPageRows) {
    if (!values.is_null(i)) bytes += 4 + (off[i + 1] - off[i]);
    ++i;
  }
  return i;
}

void StringChunkWriter::append_plain(const ColumnBuffer& values, const uint8_t* defined, size_t begin, size_t end,
                                     size_t /*present*/, std::string& body) const {
  for (size_t i = begin; i < end; ++i) {
    if (defined != nullptr && !defined[i]) continue;
    const std::string_view v = values.string_at(i);
    put_u32(body, static_cast<uint32_t>(v.size()));
    body.append(v);
  }
}

void StringChunkWriter::add_bound(std::string_view v) {
  if (!any_) {
    lo_ = hi_ = v;
    any_ = true;
    return;
  }
  if (bytes_less(v, lo_)) lo_ = v;
  if (bytes_less(hi_, v)) hi_ = v;
}

}  // namespace aesync::parquet
