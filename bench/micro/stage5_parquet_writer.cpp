// Stage: page and row-group assembly (parquet/parquet_writer.h). A RowBatch becomes one row
// group written to a sink that only counts bytes: statistics, dictionaries, definition levels,
// PLAIN values, page cutting, compression, page headers and column metadata, all through the
// public ParquetWriter API. This is everything between the mapper and the upload, so its rows/s
// is directly comparable with the reader's and the mapper's.
//
// BM_WriteRowGroup/<codec>/rows   the built-in schema's batch of 65536 rows (one partition-writer
//                                 flush) with each codec, and zstd at 262144 rows (a full row
//                                 group); items = rows, bytes = the JSON bytes those rows came
//                                 from (same unit as the reader and `make bench`).
// BM_WriteColumn/<column>         one column of the 65536-row batch alone (a one-column schema
//                                 with the built-in column's spec), zstd: which column the row
//                                 group's time goes to; items = rows, bytes = the column's value
//                                 bytes (string bytes, or 8 per numeric value).
// BM_JsonToParquet/rows           the whole in-process path of `aesync convert` without file
//                                 I/O: JSON in 1 MiB chunks -> reader -> mapper -> writer (zstd)
//                                 -> footer, one 262144-row row group; the sum of the stages.
// Counter `out_bytes_per_row` is the Parquet bytes written per row (the row group's size).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>

#include "ae_data.h"
#include "parquet/parquet_writer.h"
#include "source/jsoneachrow_reader.h"
#include "util/byte_sink.h"

namespace aesync::bench {
namespace {

using parquet::Codec;
using parquet::ParquetWriter;
using parquet::WriterOptions;

// Discards bytes: the benchmarks measure encoding, not memory traffic into a growing buffer.
class CountingSink final : public ByteSink {
 public:
  void write(const void* data, size_t size) override {
    benchmark::DoNotOptimize(data);
    bytes_ += size;
  }
  uint64_t bytes_written() const override { return bytes_; }

 private:
  uint64_t bytes_ = 0;
};

WriterOptions options_for(Codec codec) {
  WriterOptions options;  // the production defaults (page size, dictionary limit, zstd level)
  options.codec = codec;
  // One encoding thread: the figures are the stage's CPU cost per row (Google Benchmark times
  // the calling thread), comparable run to run whatever else the machine does.
  options.parallel = false;
  return options;
}

void BM_WriteRowGroup(benchmark::State& state, Codec codec) {
  const size_t rows = static_cast<size_t>(state.range(0));
  const RowBatch& batch = ae_batch(rows);
  CountingSink sink;
  ParquetWriter writer(builtin_schema(), options_for(codec), sink);
  const uint64_t header = sink.bytes_written();
  for (auto _ : state) writer.write_row_group(batch);
  const uint64_t body = sink.bytes_written() - header;
  writer.close();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ae_json(rows).size()));
  state.counters["out_bytes_per_row"] =
      static_cast<double>(body) / static_cast<double>(std::max<uint64_t>(1, state.iterations() * rows));
}

void BM_WriteColumn(benchmark::State& state, const std::string& column) {
  const size_t rows = kBatchRows;
  const int index = builtin_column(column);
  if (index < 0) {
    state.SkipWithError(("no column " + column + " in the built-in schema").c_str());
    return;
  }
  Schema schema;
  schema.columns = {builtin_schema().columns[static_cast<size_t>(index)]};
  RowBatch batch(schema);
  batch.columns[0] = ae_batch(rows).columns[static_cast<size_t>(index)];
  batch.rows = rows;
  CountingSink sink;
  ParquetWriter writer(schema, options_for(Codec::ZSTD), sink);
  const uint64_t header = sink.bytes_written();
  for (auto _ : state) writer.write_row_group(batch);
  const uint64_t body = sink.bytes_written() - header;
  writer.close();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * column_value_bytes(batch.columns[0], rows)));
  state.counters["out_bytes_per_row"] =
      static_cast<double>(body) / static_cast<double>(std::max<uint64_t>(1, state.iterations() * rows));
}

// What convert_file's consumer does: map each row, write a row group when the batch is full.
class ConvertConsumer final : public RowConsumer {
 public:
  ConvertConsumer(RowBatch& batch, ParquetWriter& writer) : batch_(batch), writer_(writer) {}
  void on_row(const RawRow& row) override {
    builtin_mapper().append(row, batch_);
    if (batch_.rows >= kRowGroupRows) flush();
  }
  void flush() {
    if (batch_.rows == 0) return;
    writer_.write_row_group(batch_);
    batch_.clear();
  }

 private:
  RowBatch& batch_;
  ParquetWriter& writer_;
};

void BM_JsonToParquet(benchmark::State& state) {
  const size_t rows = static_cast<size_t>(state.range(0));
  const std::string& json = ae_json(rows);
  RowBatch batch(builtin_schema());  // kept across files, as its capacity would be in a run
  uint64_t out_bytes = 0;
  for (auto _ : state) {
    CountingSink sink;
    ParquetWriter writer(builtin_schema(), options_for(Codec::ZSTD), sink);
    ConvertConsumer consumer(batch, writer);
    JsonEachRowReader reader(builtin_mapper().raw_columns(), consumer);
    for (size_t pos = 0; pos < json.size(); pos += kFileChunkBytes)
      reader.feed(json.data() + pos, std::min(kFileChunkBytes, json.size() - pos));
    reader.finish();
    consumer.flush();
    writer.close();
    out_bytes = sink.bytes_written();
    if (writer.rows_written() != rows) state.SkipWithError("the file holds the wrong number of rows");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
  state.counters["out_bytes_per_row"] = static_cast<double>(out_bytes) / static_cast<double>(rows);
}

const bool registered = [] {
  const std::pair<Codec, const char*> codecs[] = {
      {Codec::ZSTD, "zstd"}, {Codec::SNAPPY, "snappy"}, {Codec::GZIP, "gzip"}, {Codec::UNCOMPRESSED, "none"}};
  for (const auto& [codec, name] : codecs) {
    auto* b = benchmark::RegisterBenchmark((std::string("BM_WriteRowGroup/") + name).c_str(), BM_WriteRowGroup, codec)
                  ->ArgName("rows")
                  ->Arg(kBatchRows)
                  ->Unit(benchmark::kMillisecond)
                  ->MinTime(0.5);
    if (codec == Codec::ZSTD) b->Arg(kRowGroupRows);
  }
  for (const ColumnSpec& spec : builtin_schema().columns)
    benchmark::RegisterBenchmark(("BM_WriteColumn/" + spec.name).c_str(), BM_WriteColumn, spec.name)
        ->Unit(benchmark::kMicrosecond)
        ->MinTime(0.2);
  return true;
}();

BENCHMARK(BM_JsonToParquet)->ArgName("rows")->Arg(kRowGroupRows)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace
}  // namespace aesync::bench
