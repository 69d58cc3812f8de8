#include "sync/table_route.h"

#include <algorithm>

#include "sync/batch_pipeline.h"

namespace aesync {

namespace {

size_t index_in(const std::vector<RawColumn>& layout, RawColumn c) {
  return static_cast<size_t>(std::find(layout.begin(), layout.end(), c) - layout.begin());
}

}  // namespace

TableRoute::TableRoute(const TableConfig& t, const std::vector<RawColumn>& row_layout, size_t si, size_t tables_in_read)
    : table(t),
      layout(t.prefix),
      input_schema(t.shape.input_schema()),
      output_schema(t.shape.output_schema()),
      fingerprint(t.shape.fingerprint()),
      mapper(input_schema, row_layout),
      sample_interval_index(si),
      memory_share(tables_in_read),
      // One table: the pipeline's defaults; several: half of one table's batch memory, shared.
      batch_rows(tables_in_read == 1 ? BatchPipeline::kDefaultBatchRows
                                     : std::max<size_t>(4096, BatchPipeline::kDefaultBatchRows / 2 / tables_in_read)),
      batch_bytes(tables_in_read == 1
                      ? BatchPipeline::kDefaultBudgetBytes
                      : std::max<size_t>(size_t{256} << 10, BatchPipeline::kDefaultBudgetBytes / 2 / tables_in_read)) {
  for (const WhenCondition& w : t.shape.where) where.emplace_back(index_in(row_layout, w.raw), w.equals);
}

std::vector<DatasetRead> dataset_reads(const Config& config) {
  std::vector<DatasetRead> reads;
  std::vector<std::vector<const TableConfig*>> members;
  for (const TableConfig& t : config.tables) {
    auto it = std::find_if(reads.begin(), reads.end(), [&](const DatasetRead& r) { return r.dataset == t.dataset; });
    if (it == reads.end()) {
      reads.emplace_back().dataset = t.dataset;
      members.emplace_back();
      it = reads.end() - 1;
    }
    members[static_cast<size_t>(it - reads.begin())].push_back(&t);
  }
  const RawColumn timestamp{RawColumn::Kind::Timestamp, 0};
  const RawColumn sample_interval{RawColumn::Kind::SampleInterval, 0};
  for (size_t i = 0; i < reads.size(); ++i) {
    DatasetRead& r = reads[i];
    // Timestamp first (rows are routed to days by it), then each table's columns in config order.
    r.layout.push_back(timestamp);
    auto add = [&](RawColumn c) {
      if (std::find(r.layout.begin(), r.layout.end(), c) == r.layout.end()) r.layout.push_back(c);
    };
    for (const TableConfig* t : members[i])
      for (RawColumn c : t->shape.raw_columns()) add(c);
    add(sample_interval);
    r.sample_interval_index = index_in(r.layout, sample_interval);
    for (const TableConfig* t : members[i])
      r.tables.push_back(std::make_unique<TableRoute>(*t, r.layout, r.sample_interval_index, members[i].size()));
  }
  return reads;
}

}  // namespace aesync
