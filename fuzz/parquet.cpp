// Fuzz target: the Parquet reader behind `aesync inspect` (src/parquet/parquet_reader.h) on
// hostile files.
//
// The input is a whole file: ParquetReader::from_bytes() parses the footer, then the metadata
// is walked (names of every type, encoding and repetition, column_type_of() of each column),
// and read_row_group() decodes every row group in turn (timestamps as stored, as `inspect`
// reads them), each DECIMAL / INT96 / UUID / FLOAT16 value given to its value_text.h function.
//
// Bugs (the input is recorded as a crash): any exception other than aesync::FormatError, a
// sanitizer report, an allocation bomb (libFuzzer's -rss_limit_mb / -malloc_limit_mb: the
// reader must cap what it allocates by the input's size), and these broken properties:
// - a decoded row group whose row count differs from the footer's, or whose column buffers do
//   not hold exactly that many values (string offsets rising and ending at the bytes' size,
//   one `defined` flag per row for nullable columns, none for required ones).
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "parquet/parquet_reader.h"
#include "parquet/value_text.h"
#include "util/error.h"

namespace {

namespace pq = aesync::parquet;

void check_batch(const aesync::RowBatch& batch, const pq::FileMetadata& meta, size_t g) {
  const auto rows = static_cast<size_t>(meta.row_groups[g].num_rows);
  fuzz::check(batch.rows == rows, "row group decoded to another row count");
  fuzz::check(batch.columns.size() == meta.columns.size(), "row group decoded to another column count");
  for (const aesync::ColumnBuffer& c : batch.columns) {
    fuzz::check(c.size() == rows, "column buffer holds another number of values than rows");
    fuzz::check(c.nullable ? c.defined.size() == rows : c.defined.empty(), "defined flags do not match the rows");
    if (c.type == aesync::ColumnType::String) {
      fuzz::check(c.offsets.size() == rows + 1 && c.offsets.back() == c.bytes.size(),
                  "string offsets do not end at the bytes");
      for (size_t i = 0; i < rows; ++i) fuzz::check(c.offsets[i] <= c.offsets[i + 1], "string offsets decrease");
    }
  }
}

// The text of every annotated byte value, as `inspect` shows it: a FormatError at most.
void format_values(const aesync::RowBatch& batch, const pq::FileMetadata& meta) {
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    const aesync::ColumnBuffer& col = batch.columns[c];
    const pq::SchemaColumn& schema = meta.columns[c];
    for (size_t i = 0; i < col.size(); ++i) {
      if (col.is_null(i)) continue;
      try {
        if (col.type == aesync::ColumnType::String) {
          const std::string_view v = col.string_at(i);
          if (schema.decimal) fuzz::check(!pq::decimal_text(v, schema.decimal->scale).empty(), "empty decimal");
          if (schema.type == pq::PhysicalType::INT96) (void)pq::int96_timestamp_text(v);
          if (schema.is_uuid) (void)pq::uuid_text(v);
          if (schema.is_float16) (void)pq::float16_value(v);
        } else if (col.type == aesync::ColumnType::Int64) {
          if (schema.decimal) (void)pq::decimal_text(col.ints[i], schema.decimal->scale);
          if (schema.timestamp_unit) (void)pq::timestamp_text(col.ints[i], *schema.timestamp_unit);
          if (schema.time_unit) (void)pq::time_text(col.ints[i], *schema.time_unit);
        }
      } catch (const aesync::FormatError&) {
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const pq::ParquetReader reader =
        pq::ParquetReader::from_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz.parquet");
    const pq::FileMetadata& meta = reader.metadata();
    fuzz::check(meta.file_size == size, "file_size differs from the input's size");
    size_t names = 0;  // the names `inspect` prints
    for (const pq::SchemaColumn& c : meta.columns) {
      names += pq::name_of(c.type).size() + pq::name_of(c.repetition).size();
      if (c.converted_type) names += pq::name_of(*c.converted_type).size();
      try {
        (void)pq::column_type_of(c);
      } catch (const aesync::FormatError&) {
      }
    }
    for (const pq::RowGroupInfo& rg : meta.row_groups)
      for (const pq::ColumnChunkInfo& cc : rg.columns)
        for (pq::Encoding e : cc.encodings) names += pq::name_of(e).size();
    fuzz::check(names > 0 || meta.columns.empty(), "a column without names");
    for (size_t g = 0; g < meta.row_groups.size(); ++g) {
      const aesync::RowBatch batch = reader.read_row_group(g, pq::ParquetReader::Timestamps::AsStored);
      check_batch(batch, meta, g);
      format_values(batch, meta);
    }
  } catch (const aesync::FormatError&) {
  }
  return 0;
}
