// CSV writer: row batches in, RFC 4180 CSV out (PostHog format `CSVWithNames`).
//
// A header row of column names, then one line per row, "\n" line ends (ClickHouse and
// PostHog accept both). A field is quoted when it holds a comma, quote, CR or LF, quotes
// doubled. NULL is an empty field; an empty string is `""` so the two stay distinct.
// Timestamps as "YYYY-MM-DD hh:mm:ss.fff" (UTC), doubles in shortest round-trip form
// (`nan`, `inf`, `-inf` for the special values). With gzip the stream is one gzip member.
// Memory: one batch's text plus the compressor's window.
#pragma once

#include <memory>

#include "schema/schema.h"
#include "schema/table_writer.h"
#include "util/byte_sink.h"

namespace aesync::csv {

class CsvWriter final : public TableWriter {
 public:
  CsvWriter(const Schema& schema, bool gzip, ByteSink& sink);
  ~CsvWriter() override;
  void write(const RowBatch& batch) override;
  void close() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

//! Appends `field` to `out`, quoted per RFC 4180 when needed.
void append_csv_field(std::string& out, std::string_view field);

}  // namespace aesync::csv
