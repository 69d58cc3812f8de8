// Stage: JSON reading (source/jsoneachrow_reader.h). AE-shaped JSONEachRow text, fed in chunks
// as a file read (1 MiB) or an HTTP body (16 KiB, curl's write size) delivers it, becomes raw
// rows handed to a consumer that does nothing. It is the first stage every row passes through
// and the one whose cost grows with the input's bytes rather than its values, so it is measured
// alone: a regression in line splitting, key lookup, number or timestamp parsing shows here.
//
// items/s = rows; bytes/s = JSON bytes read (the same unit as `make bench`'s MB/s).
#include <benchmark/benchmark.h>

#include <algorithm>

#include "ae_data.h"
#include "source/jsoneachrow_reader.h"

namespace aesync::bench {
namespace {

// Touches one value per row so the rows are observably used; the call itself is virtual.
class SinkConsumer final : public RowConsumer {
 public:
  void on_row(const RawRow& row) override { sum_ += row[0].i; }
  int64_t sum() const { return sum_; }

 private:
  int64_t sum_ = 0;
};

// BM_JsonReader: the reader as shipped (fast path for AE's fixed key order; the same name as
// before the fast path existed, so `make bench`'s before/after compares like with like);
// BM_JsonReaderGeneralPath: the general (simdjson) path alone. fast_path_share: the rows the
// fast path read / all rows.
void read_json(benchmark::State& state, bool fast) {
  const size_t rows = static_cast<size_t>(state.range(0));
  const size_t chunk = static_cast<size_t>(state.range(1));
  const std::string& json = ae_json(rows);
  const std::vector<RawColumn> columns = builtin_mapper().raw_columns();
  uint64_t fast_rows = 0;
  for (auto _ : state) {
    SinkConsumer consumer;
    JsonEachRowReader reader(columns, consumer);
    reader.use_fast_path(fast);
    for (size_t pos = 0; pos < json.size(); pos += chunk)
      reader.feed(json.data() + pos, std::min(chunk, json.size() - pos));
    reader.finish();
    benchmark::DoNotOptimize(consumer.sum());
    if (reader.rows() != rows) state.SkipWithError("reader delivered the wrong number of rows");
    fast_rows = reader.fast_path_rows();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
  state.counters["json_bytes_per_row"] = static_cast<double>(json.size()) / static_cast<double>(rows);
  state.counters["fast_path_share"] = static_cast<double>(fast_rows) / static_cast<double>(rows);
}

void BM_JsonReader(benchmark::State& state) { read_json(state, true); }
void BM_JsonReaderGeneralPath(benchmark::State& state) { read_json(state, false); }

BENCHMARK(BM_JsonReader)
    ->ArgNames({"rows", "chunk"})
    ->Args({kBatchRows, kFileChunkBytes})
    ->Args({kBatchRows, kHttpChunkBytes})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(0.5);
BENCHMARK(BM_JsonReaderGeneralPath)
    ->ArgNames({"rows", "chunk"})
    ->Args({kBatchRows, kFileChunkBytes})
    ->Args({kBatchRows, kHttpChunkBytes})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(0.5);

}  // namespace
}  // namespace aesync::bench
