#include "sync/table_output.h"

#include "csv/csv_writer.h"
#include "parquet/parquet_writer.h"
#include "util/error.h"

namespace aesync {

namespace {

class ParquetTableWriter final : public TableWriter {
 public:
  ParquetTableWriter(const Schema& schema, parquet::WriterOptions options, ByteSink& sink)
      : writer_(schema, std::move(options), sink) {}
  void write(const RowBatch& batch) override { writer_.append(batch); }
  void close() override { writer_.close(); }

 private:
  parquet::ParquetWriter writer_;
};

}  // namespace

std::unique_ptr<TableWriter> make_table_writer(const OutputConfig& output, const Schema& schema, ByteSink& sink) {
  if (output.format == "csv") return std::make_unique<csv::CsvWriter>(schema, output.compression == "gzip", sink);
  parquet::WriterOptions options;
  auto codec = parquet::codec_from_name(output.compression);
  if (!codec) throw ConfigError("output.compression: \"" + output.compression + "\" is not a Parquet codec (zstd, snappy, gzip, none)");
  options.codec = *codec;
  options.row_group_rows = static_cast<uint64_t>(output.row_group_rows);
  return std::make_unique<ParquetTableWriter>(schema, std::move(options), sink);
}

std::string data_file_name(const OutputConfig& output) {
  if (output.format == "csv") return output.compression == "gzip" ? "data.csv.gz" : "data.csv";
  return "data.parquet";
}

}  // namespace aesync
