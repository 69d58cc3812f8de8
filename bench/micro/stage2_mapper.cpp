// Stage: mapping (schema/mapper.h). Raw rows, exactly as the JSON reader hands them over, are
// appended to a RowBatch of the built-in machine_metrics schema (15 columns: conversions,
// `when` conditions, empty_as_null). The batch is cleared between iterations, keeping its
// capacity as the partition writer's batch does, so this is the steady state: any per-row
// allocation or lookup creeping into Mapper::append shows up here.
//
// A second benchmark runs reader and mapper together (what every row costs before a writer
// sees it), so the two stages' sum can be checked against the pair.
//
// items/s = rows; bytes/s = the JSON bytes those rows came from, so figures compare with the
// reader's and with `make bench`'s MB/s.
#include <benchmark/benchmark.h>

#include <algorithm>

#include "ae_data.h"
#include "source/jsoneachrow_reader.h"

namespace aesync::bench {
namespace {

void BM_Mapper(benchmark::State& state) {
  const size_t rows = static_cast<size_t>(state.range(0));
  const RawRows& raw = ae_raw_rows(rows);
  const Mapper& mapper = builtin_mapper();
  RowBatch batch(builtin_schema());
  for (auto _ : state) {
    batch.clear();
    for (size_t i = 0; i < raw.size(); ++i) mapper.append(raw.row(i), batch);
    benchmark::ClobberMemory();
  }
  if (batch.rows != rows) state.SkipWithError("mapper produced the wrong number of rows");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ae_json(rows).size()));
}

BENCHMARK(BM_Mapper)->ArgName("rows")->Arg(kBatchRows)->Unit(benchmark::kMillisecond)->MinTime(0.5);

class MappingConsumer final : public RowConsumer {
 public:
  MappingConsumer(const Mapper& mapper, RowBatch& batch) : mapper_(mapper), batch_(batch) {}
  void on_row(const RawRow& row) override { mapper_.append(row, batch_); }

 private:
  const Mapper& mapper_;
  RowBatch& batch_;
};

void BM_ReadAndMap(benchmark::State& state) {
  const size_t rows = static_cast<size_t>(state.range(0));
  const std::string& json = ae_json(rows);
  const Mapper& mapper = builtin_mapper();
  RowBatch batch(builtin_schema());
  for (auto _ : state) {
    batch.clear();
    MappingConsumer consumer(mapper, batch);
    JsonEachRowReader reader(mapper.raw_columns(), consumer);
    for (size_t pos = 0; pos < json.size(); pos += kFileChunkBytes)
      reader.feed(json.data() + pos, std::min(kFileChunkBytes, json.size() - pos));
    reader.finish();
    benchmark::ClobberMemory();
  }
  if (batch.rows != rows) state.SkipWithError("reader and mapper produced the wrong number of rows");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
}

BENCHMARK(BM_ReadAndMap)->ArgName("rows")->Arg(kBatchRows)->Unit(benchmark::kMillisecond)->MinTime(0.5);

}  // namespace
}  // namespace aesync::bench
