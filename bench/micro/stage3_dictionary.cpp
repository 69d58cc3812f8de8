// Stage: dictionary encoding of strings (parquet/string_dictionary.h) and the RLE/bit-packed
// hybrid encoding of its indices and of definition levels (parquet/rle_hybrid.h). Every string
// column of every row group goes through the dictionary (one hash-table probe per value), and
// every dictionary column and nullable column through the hybrid encoder, so these loops run
// once per value; they are measured per column of a 65536-row batch of the built-in schema
// because cost depends on the column's cardinality (machine_id ~5000 distinct values, org_id
// 200, project_id ~1200, machine_type 5, metric_type 3, process_name 13 and mostly NULL).
//
// DictionaryInsert:   one row group's values into a cleared dictionary (capacity kept, as the
//                     writer reuses its dictionary); items = rows, bytes = the column's string bytes.
// DictionaryIndices:  encode_dictionary_indices() of those indices; items = indices, bytes = 4 per
//                     index (the uint32 input).
// DefinitionLevels:   encode_definition_levels() of a nullable column; items = rows, bytes = rows.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "ae_data.h"
#include "parquet/rle_hybrid.h"
#include "parquet/string_dictionary.h"

namespace aesync::bench {
namespace {

using parquet::StringDictionary;

// The column of the cached batch, or nullptr after skipping the benchmark with an error.
const ColumnBuffer* batch_column(benchmark::State& state, const std::string& name, size_t rows) {
  const int index = builtin_column(name);
  if (index < 0) {
    state.SkipWithError(("no column " + name + " in the built-in schema").c_str());
    return nullptr;
  }
  const ColumnBuffer& c = ae_batch(rows).columns[static_cast<size_t>(index)];
  return &c;
}

// Inserts the column's non-NULL values (the writer skips NULLs); returns how many.
size_t fill_dictionary(const ColumnBuffer& c, size_t rows, StringDictionary& dict, std::vector<uint32_t>& indices) {
  dict.clear();
  size_t k = 0;
  for (size_t i = 0; i < rows; ++i) {
    if (c.is_null(i)) continue;
    indices[k++] = dict.insert(c.string_at(i));
  }
  return k;
}

void BM_DictionaryInsert(benchmark::State& state, const std::string& column) {
  const size_t rows = kBatchRows;
  const ColumnBuffer* c = batch_column(state, column, rows);
  if (c == nullptr) return;
  StringDictionary dict;
  std::vector<uint32_t> indices(rows);
  size_t values = 0;
  for (auto _ : state) {
    values = fill_dictionary(*c, rows, dict, indices);
    benchmark::DoNotOptimize(indices.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c->bytes.size()));
  state.counters["entries"] = static_cast<double>(dict.size());
  state.counters["non_null"] = static_cast<double>(values);
}

void BM_DictionaryIndices(benchmark::State& state, const std::string& column) {
  const size_t rows = kBatchRows;
  const ColumnBuffer* c = batch_column(state, column, rows);
  if (c == nullptr) return;
  StringDictionary dict;
  std::vector<uint32_t> indices(rows);
  const size_t values = fill_dictionary(*c, rows, dict, indices);
  std::string out;
  for (auto _ : state) {
    out.clear();
    parquet::encode_dictionary_indices(indices.data(), values, dict.size(), out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * values));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * values * sizeof(uint32_t)));
  state.counters["bit_width"] = parquet::dictionary_index_bit_width(dict.size());
  state.counters["encoded_bytes"] = static_cast<double>(out.size());
}

void BM_DefinitionLevels(benchmark::State& state, const std::string& column) {
  const size_t rows = kBatchRows;
  const ColumnBuffer* c = batch_column(state, column, rows);
  if (c == nullptr) return;
  if (!c->nullable || c->defined.size() < rows) {
    state.SkipWithError(("column " + column + " is not nullable").c_str());
    return;
  }
  size_t defined = 0;
  for (size_t i = 0; i < rows; ++i) defined += c->defined[i];
  std::string out;
  for (auto _ : state) {
    out.clear();
    parquet::encode_definition_levels(c->defined.data(), rows, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.counters["defined_fraction"] = static_cast<double>(defined) / static_cast<double>(rows);
  state.counters["encoded_bytes"] = static_cast<double>(out.size());
}

// One benchmark per string column (dictionary) and per nullable column (definition levels) of
// the built-in schema, so a column added to the mapping is measured without editing this file.
const bool registered = [] {
  for (const ColumnSpec& spec : builtin_schema().columns) {
    if (spec.type == ColumnType::String) {
      benchmark::RegisterBenchmark(("BM_DictionaryInsert/" + spec.name).c_str(), BM_DictionaryInsert, spec.name)
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.2);
      benchmark::RegisterBenchmark(("BM_DictionaryIndices/" + spec.name).c_str(), BM_DictionaryIndices, spec.name)
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.2);
    }
    if (spec.nullable())
      benchmark::RegisterBenchmark(("BM_DefinitionLevels/" + spec.name).c_str(), BM_DefinitionLevels, spec.name)
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.2);
  }
  return true;
}();

}  // namespace
}  // namespace aesync::bench
