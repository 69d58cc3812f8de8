#include "sync/factories.h"

#include <algorithm>

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

// The most tables one read feeds (they write side by side).
size_t most_tables_of_a_read(const Config& config) {
  size_t most = 0;
  for (const TableConfig& t : config.tables)
    most = std::max<size_t>(most, std::count_if(config.tables.begin(), config.tables.end(),
                                                [&](const TableConfig& u) { return u.dataset == t.dataset; }));
  return most;
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
  // [destination]'s own, which default to the source's (config.h).
  o.max_retries = d.max_retries;
  o.timeout_seconds = d.timeout_seconds;
  // Tables fed by one read upload side by side, each filling a part of its own: S3's smallest
  // part then (5 MiB) instead of 8 MiB.
  if (most_tables_of_a_read(config) > 1) o.part_size = size_t{5} << 20;
  return std::make_unique<S3Store>(std::move(o));
}

std::unique_ptr<TableWriter> make_table_writer(const OutputConfig& output, const Schema& schema, ByteSink& sink,
                                               size_t memory_share) {
  switch (output.format) {
    case OutputFormat::Csv:
      return std::make_unique<csv::CsvWriter>(schema, output.compression == Compression::Gzip, sink);
    case OutputFormat::Parquet: {
      parquet::WriterOptions options;
      options.codec = parquet_codec(output.compression);
      options.row_group_rows = static_cast<uint64_t>(output.row_group_rows);
      if (memory_share > 1) {
        // Several writers at once: 12 MiB of held pages shared out (smaller row groups),
        // a share of the dictionaries, and no helper thread each (the writers already run side
        // by side, and each helper holds its own page buffers).
        options.row_group_bytes = std::max(size_t{2} << 20, (size_t{12} << 20) / memory_share);
        options.dictionary_limit_bytes = std::max(size_t{128} << 10, options.dictionary_limit_bytes / memory_share);
        options.parallel = false;
      }
      return std::make_unique<ParquetTableWriter>(schema, std::move(options), sink);
    }
  }
  throw ConfigError("output.format: unknown");
}

}  // namespace aesync
