// The column chunk writer of String columns (BYTE_ARRAY, UTF8): see column_chunk_writer.h.
//
// Values go to a StringDictionary while its PLAIN size stays under `dictionary_limit_bytes`;
// past it, that batch and the rest of the chunk are PLAIN data pages after the indexed ones.
// A chunk whose first rows are all NULL is PLAIN throughout (its dictionary would come after
// pages that do not index it, and an empty dictionary page is best not written at all).
// Statistics: unsigned byte-wise min/max (omitted past `max_statistics_bytes`), exact
// null_count; the dictionary's entries join the bounds only when the chunk is written.
#pragma once

#include <string>
#include <string_view>

#include "parquet/column_chunk_writer.h"
#include "parquet/string_dictionary.h"

namespace aesync::parquet {

class StringChunkWriter final : public ColumnChunkWriter {
 public:
  StringChunkWriter(const LeafColumn& column, const WriterOptions& options) : ColumnChunkWriter(column, options) {}

  void encode(const ColumnBuffer& values, size_t begin, size_t end, PageScratch& s) override;
  ColumnChunkMeta write(FileOutput& out, PageScratch& s) override;

 private:
  size_t plain_page_end(const ColumnBuffer& values, size_t begin, size_t end) const override;
  void append_plain(const ColumnBuffer& values, const uint8_t* defined, size_t begin, size_t end, size_t present,
                    std::string& body) const override;
  void add_bound(std::string_view v);

  StringDictionary strings_;
  // Bounds of the values written PLAIN, owned copies (the batch's buffers do not outlive it).
  std::string lo_, hi_;
  bool any_ = false;
};

}  // namespace aesync::parquet
