// STUB (replaced by the rollup helper's version).
#pragma once
#include <memory>
#include "schema/table_shape.h"
#include "schema/table_writer.h"
namespace aesync {
class RollupWriter final : public TableWriter {
 public:
  RollupWriter(const TableShape& shape, std::unique_ptr<TableWriter> out) : out_(std::move(out)) { (void)shape; }
  void write(const RowBatch&) override {}
  void close() override { out_->close(); }
  uint64_t late_rows() const { return 0; }
 private:
  std::unique_ptr<TableWriter> out_;
};
}  // namespace aesync
