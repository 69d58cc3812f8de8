#include "schema/row_batch.h"

namespace aesync {

size_t ColumnBuffer::size() const {
  switch (type) {
    case ColumnType::String: return offsets.size() - 1;
    case ColumnType::Double: return doubles.size();
    case ColumnType::Int64:
    case ColumnType::Timestamp: return ints.size();
  }
  return 0;
}

void ColumnBuffer::append_null() {
  switch (type) {
    case ColumnType::String: offsets.push_back(static_cast<uint32_t>(bytes.size())); break;
    case ColumnType::Double: doubles.push_back(0.0); break;
    case ColumnType::Int64:
    case ColumnType::Timestamp: ints.push_back(0); break;
  }
  defined.push_back(0);
}

void ColumnBuffer::clear() {
  defined.clear();
  ints.clear();
  doubles.clear();
  bytes.clear();
  offsets.resize(1);
}

RowBatch::RowBatch(const Schema& schema) {
  columns.reserve(schema.columns.size());
  for (const ColumnSpec& c : schema.columns) columns.emplace_back(c.type, c.nullable());
}

void RowBatch::clear() {
  for (ColumnBuffer& c : columns) c.clear();
  rows = 0;
}

}  // namespace aesync
