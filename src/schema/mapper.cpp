#include "schema/mapper.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "util/error.h"

namespace aesync {

namespace {

uint16_t index_of(const std::vector<RawColumn>& raw, RawColumn c) {
  return static_cast<uint16_t>(std::find(raw.begin(), raw.end(), c) - raw.begin());
}

}  // namespace

Mapper::Mapper(const Schema& schema) : Mapper(schema, schema.raw_columns()) {}

Mapper::Mapper(const Schema& schema, std::vector<RawColumn> layout) : schema_(schema), raw_(std::move(layout)) {
  for (RawColumn r : schema.raw_columns())
    if (std::find(raw_.begin(), raw_.end(), r) == raw_.end())
      throw std::logic_error("Mapper: the row layout lacks " + r.name());
  plan_.reserve(schema.columns.size());
  for (const ColumnSpec& c : schema.columns) {
    Plan p{index_of(raw_, c.from), -1, c.from.kind, c.type, c.empty_as_null};
    if (c.when) p.when = static_cast<int16_t>(index_of(raw_, c.when->raw));
    plan_.push_back(p);
  }
}

void Mapper::append(const RawRow& row, RowBatch& batch) const {
  using K = RawColumn::Kind;
  for (size_t i = 0; i < plan_.size(); ++i) {
    const Plan& p = plan_[i];
    ColumnBuffer& out = batch.columns[i];
    if (p.when >= 0 && row[static_cast<size_t>(p.when)].s != schema_.columns[i].when->equals) {
      out.append_null();
      continue;
    }
    const RawValue& v = row[p.source];
    switch (p.type) {
      case ColumnType::String:
        if (p.empty_as_null && v.s.empty())
          out.append_null();
        else
          out.append_string(v.s);
        break;
      case ColumnType::Double:
        out.append_double(p.source_kind == K::SampleInterval ? static_cast<double>(v.i) : v.d);
        break;
      case ColumnType::Int64:
        if (p.source_kind == K::SampleInterval) {
          out.append_int(v.i);
        } else {
          // 2^63 is exactly representable; anything at or past it does not fit.
          if (!(std::trunc(v.d) == v.d && v.d >= -9223372036854775808.0 && v.d < 9223372036854775808.0))
            throw InputError("line " + std::to_string(row.line) + ": column \"" + schema_.columns[i].name +
                             "\" (int64 from " + schema_.columns[i].from.name() + "): " + std::to_string(v.d) +
                             " is not an integer");
          out.append_int(static_cast<int64_t>(v.d));
        }
        break;
      case ColumnType::Timestamp: out.append_int(v.i); break;
    }
  }
  ++batch.rows;
}

}  // namespace aesync
