#include "sync/factories.h"

#include "csv/csv_writer.h"
#include "parquet/parquet_writer.h"
#include "source/sql_window_source.h"
#include "storage/local_store.h"
#include "storage/s3_store.h"
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

parquet::Codec parquet_codec(Compression c) {
  switch (c) {
    case Compression::None: return parquet::Codec::UNCOMPRESSED;
    case Compression::Zstd: return parquet::Codec::ZSTD;
    case Compression::Snappy: return parquet::Codec::SNAPPY;
    case Compression::Gzip: return parquet::Codec::GZIP;
  }
  throw ConfigError("output.compression: not a Parquet codec");
}

}  // namespace

std::unique_ptr<WindowSource> open_window_source(const SourceConfig& config) {
  switch (config.type) {
    case SourceType::AnalyticsEngine: return open_ae_source(config);
    case SourceType::ClickHouse: return open_clickhouse_source(config);
    case SourceType::File: break;
  }
  throw ConfigError("source.type \"" + std::string(to_string(config.type)) +
                    "\" is not a remote source (analytics-engine, clickhouse)");
}

std::unique_ptr<ObjectStore> open_destination(const Config& config) {
  const DestinationConfig& d = config.destination;
  switch (d.type) {
    case DestinationType::Local: return std::make_unique<LocalStore>(d.path);
    case DestinationType::S3:
    case DestinationType::R2: break;
  }
  S3Options o;
  o.endpoint = d.endpoint;
  o.bucket = d.bucket;
  o.region = d.region;
  o.access_key_id = d.access_key_id;
  o.secret_access_key = d.secret_access_key;
  o.insecure_skip_verify = d.insecure_skip_verify;
  // The source's retry budget and timeout apply to every remote peer of a run.
  o.max_retries = config.source.max_retries;
  o.timeout_seconds = config.source.timeout_seconds;
  return std::make_unique<S3Store>(std::move(o));
}

std::unique_ptr<TableWriter> make_table_writer(const OutputConfig& output, const Schema& schema, ByteSink& sink) {
  switch (output.format) {
    case OutputFormat::Csv:
      return std::make_unique<csv::CsvWriter>(schema, output.compression == Compression::Gzip, sink);
    case OutputFormat::Parquet: {
      parquet::WriterOptions options;
      options.codec = parquet_codec(output.compression);
      options.row_group_rows = static_cast<uint64_t>(output.row_group_rows);
      return std::make_unique<ParquetTableWriter>(schema, std::move(options), sink);
    }
  }
  throw ConfigError("output.format: unknown");
}

}  // namespace aesync
