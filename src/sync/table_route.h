// How one read feeds several tables (docs/sync.md, "Tables"). The config's tables are grouped by
// the dataset they read; a dataset is read once per window whatever its number of tables, as
// rows laid out once (timestamp first, then every raw column one of its tables maps or tests,
// then _sample_interval, which manifests always count). Each table takes the rows its `where`
// accepts and maps them with its own mapper over that layout; its days are its own partitions
// (files, manifests, leases) under its own prefix.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "schema/mapper.h"
#include "schema/raw_row.h"
#include "sync/layout.h"

namespace aesync {

struct TableRoute {
  TableRoute(const TableConfig& table, const std::vector<RawColumn>& layout, size_t sample_interval_index,
             size_t tables_in_read);
  TableRoute(const TableRoute&) = delete;
  TableRoute& operator=(const TableRoute&) = delete;

  //! Whether the table takes `row`: every `where` condition holds.
  bool takes(const RawRow& row) const {
    for (const auto& [index, value] : where)
      if (row[index].s != value) return false;
    return true;
  }

  const TableConfig& table;
  const PartitionLayout layout;
  const Schema input_schema;   //!< what the mapper fills (schema/table_shape.h)
  const Schema output_schema;  //!< the file's columns
  const std::string fingerprint;
  const Mapper mapper;  //!< refers to input_schema
  const size_t sample_interval_index;
  //! How many tables of the read write at once: each gets that share of the batch memory
  //! (sync/batch_pipeline.h: batch_rows, batch_bytes) and of the Parquet writer's
  //! (make_table_writer), so that five tables hold about what one does.
  const size_t memory_share;
  const size_t batch_rows, batch_bytes;
  std::vector<std::pair<size_t, std::string>> where;  //!< (layout index, value)
};

//! One dataset's read and the tables it feeds.
struct DatasetRead {
  std::string dataset;  //!< "" for a file source
  std::vector<RawColumn> layout;
  size_t sample_interval_index = 0;
  std::vector<std::unique_ptr<TableRoute>> tables;  //!< in config order
};

//! The config's tables grouped by dataset, in order of each dataset's first table.
std::vector<DatasetRead> dataset_reads(const Config& config);

}  // namespace aesync
