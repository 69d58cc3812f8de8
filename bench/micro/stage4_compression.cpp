// Stage: page compression (parquet/compression.h). Every page body the writer emits goes
// through a Compressor, so the codec's cost is paid once per output byte; for zstd and gzip it
// is often the largest single cost in a row group. Pages are built as the writer builds them
// (PLAIN values, dictionary pages, dictionary indices behind definition levels) from a 262144-row
// row group of the built-in schema, each at most the writer's 1 MiB page target:
//   timestamp_plain       131072 INT64 ms timestamps (1 MiB; sorted, very compressible)
//   value1_plain          131072 DOUBLE values of double1 (1 MiB; percentages, durations)
//   machine_id_indices    262144 dictionary indices of machine_id (~5000 entries, 13 bits)
//   machine_id_dictionary the PLAIN dictionary page of machine_id (4-byte length + bytes)
//   process_name_indices  definition levels + indices of the mostly-NULL process_name
// Each is compressed with the codecs the config offers at the writer's default level
// (WriterOptions::compression_level, for zstd and gzip; snappy has no level), reusing one
// Compressor.
//
// items/s = values in the page; bytes/s = uncompressed page bytes; `ratio` = compressed/uncompressed.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "ae_data.h"
#include "parquet/compression.h"
#include "parquet/parquet_writer.h"
#include "parquet/rle_hybrid.h"
#include "parquet/string_dictionary.h"

namespace aesync::bench {
namespace {

using parquet::Codec;

constexpr size_t kPlainPageValues = (1 << 20) / 8;  // the writer's page_bytes default / 8 bytes

struct Page {
  std::string body;
  size_t values = 0;
};

const ColumnBuffer* row_group_column(const char* name) {
  const int index = builtin_column(name);
  return index < 0 ? nullptr : &ae_batch(kRowGroupRows).columns[static_cast<size_t>(index)];
}

Page plain_page(const char* name) {
  Page page;
  const ColumnBuffer* c = row_group_column(name);
  if (c == nullptr) return page;
  page.values = kPlainPageValues;
  page.body.resize(page.values * 8);
  // PLAIN INT64/DOUBLE is 8 little-endian bytes per value: the in-memory layout on x86/ARM.
  const void* src = c->type == ColumnType::Double ? static_cast<const void*>(c->doubles.data())
                                                  : static_cast<const void*>(c->ints.data());
  std::memcpy(page.body.data(), src, page.body.size());
  return page;
}

// The dictionary page (`dictionary_page`) or the data page of indices of a string column.
Page dictionary_page(const char* name, bool dictionary_page) {
  Page page;
  const ColumnBuffer* c = row_group_column(name);
  if (c == nullptr || c->type != ColumnType::String) return page;
  parquet::StringDictionary dict;
  std::vector<uint32_t> indices;
  for (size_t i = 0; i < kRowGroupRows; ++i)
    if (!c->is_null(i)) indices.push_back(dict.insert(c->string_at(i)));
  if (dictionary_page) {
    for (size_t k = 0; k < dict.size(); ++k) {
      const std::string_view e = dict.entry(k);
      const auto n = static_cast<uint32_t>(e.size());
      for (int b = 0; b < 4; ++b) page.body.push_back(static_cast<char>((n >> (8 * b)) & 0xff));
      page.body.append(e);
    }
    page.values = dict.size();
    return page;
  }
  if (c->nullable) parquet::encode_definition_levels(c->defined.data(), kRowGroupRows, page.body);
  parquet::encode_dictionary_indices(indices.data(), indices.size(), dict.size(), page.body);
  page.values = kRowGroupRows;
  return page;
}

const Page& page_named(const std::string& name) {
  static const Page timestamp = plain_page("timestamp");
  static const Page value1 = plain_page("value1");
  static const Page machine_indices = dictionary_page("machine_id", false);
  static const Page machine_dictionary = dictionary_page("machine_id", true);
  static const Page process_indices = dictionary_page("process_name", false);
  static const Page none;
  if (name == "timestamp_plain") return timestamp;
  if (name == "value1_plain") return value1;
  if (name == "machine_id_indices") return machine_indices;
  if (name == "machine_id_dictionary") return machine_dictionary;
  if (name == "process_name_indices") return process_indices;
  return none;
}

void BM_Compress(benchmark::State& state, Codec codec, const std::string& page_name) {
  const Page& page = page_named(page_name);
  if (page.body.empty()) {
    state.SkipWithError(("page " + page_name + " could not be built from the built-in schema").c_str());
    return;
  }
  parquet::Compressor compressor(codec, parquet::WriterOptions{}.compression_level);
  std::string out;
  for (auto _ : state) {
    compressor.compress(page.body, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * page.values));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * page.body.size()));
  state.counters["page_bytes"] = static_cast<double>(page.body.size());
  state.counters["ratio"] = static_cast<double>(out.size()) / static_cast<double>(page.body.size());
}

const bool registered = [] {
  const std::pair<Codec, const char*> codecs[] = {
      {Codec::ZSTD, "zstd"}, {Codec::SNAPPY, "snappy"}, {Codec::GZIP, "gzip"}};
  const char* pages[] = {"timestamp_plain", "value1_plain", "machine_id_indices", "machine_id_dictionary",
                         "process_name_indices"};
  for (const auto& [codec, codec_name] : codecs)
    for (const char* page : pages)
      benchmark::RegisterBenchmark((std::string("BM_Compress/") + codec_name + "/" + page).c_str(), BM_Compress, codec,
                                   std::string(page))
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.2);
  return true;
}();

}  // namespace
}  // namespace aesync::bench
