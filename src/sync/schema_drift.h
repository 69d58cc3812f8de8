// STUB (replaced by the drift helper's version).
#pragma once
#include <string>
#include <vector>
#include "config/config.h"
#include "sync/partition_index.h"
namespace aesync {
struct SchemaDrift {
  std::vector<int64_t> old_days;
  std::vector<std::string> breaking;
  std::string warning(const TableConfig&) const { return ""; }
};
inline SchemaDrift find_schema_drift(const TableConfig&, const std::vector<PartitionEntry>&) { return {}; }
}  // namespace aesync
