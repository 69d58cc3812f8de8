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
  using K = RawColumn::Kind;
  plan_.reserve(schema.columns.size());
  for (const ColumnSpec& c : schema.columns) {
    Op op = Op::String;
    switch (c.type) {
      case ColumnType::String: op = c.empty_as_null ? Op::StringEmptyAsNull : Op::String; break;
      case ColumnType::Double: op = c.from.kind == K::SampleInterval ? Op::DoubleFromInt : Op::Double; break;
      case ColumnType::Int64: op = c.from.kind == K::SampleInterval ? Op::Int : Op::IntFromDouble; break;
      case ColumnType::Timestamp: op = Op::Int; break;
    }
    Plan p{op, index_of(raw_, c.from), -1, {}};
    if (c.when) {
      p.when = static_cast<int16_t>(index_of(raw_, c.when->raw));
      p.equals = c.when->equals;
    }
    plan_.push_back(p);
  }
}

void Mapper::not_an_integer(const RawRow& row, size_t column, double value) const {
  const ColumnSpec& c = schema_.columns[column];
  throw InputError("line " + std::to_string(row.line) + ": column \"" + c.name + "\" (int64 from " + c.from.name() +
                   "): " + std::to_string(value) + " is not an integer");
}

void Mapper::append(const RawRow& row, RowBatch& batch) const {
  ColumnBuffer* out = batch.columns.data();
  for (size_t i = 0; i < plan_.size(); ++i) {
    const Plan& p = plan_[i];
    if (p.when >= 0 && row[static_cast<size_t>(p.when)].s != p.equals) {
      out[i].append_null();
      continue;
    }
    const RawValue& v = row[p.source];
    switch (p.op) {
      case Op::String: out[i].append_string(v.s); break;
      case Op::StringEmptyAsNull:
        if (v.s.empty())
          out[i].append_null();
        else
          out[i].append_string(v.s);
        break;
      case Op::Double: out[i].append_double(v.d); break;
      case Op::DoubleFromInt: out[i].append_double(static_cast<double>(v.i)); break;
      case Op::Int: out[i].append_int(v.i); break;
      case Op::IntFromDouble:
        // 2^63 is exactly representable; anything at or past it does not fit.
        if (!(std::trunc(v.d) == v.d && v.d >= -9223372036854775808.0 && v.d < 9223372036854775808.0))
          not_an_integer(row, i, v.d);
        out[i].append_int(static_cast<int64_t>(v.d));
        break;
    }
  }
  ++batch.rows;
}

}  // namespace aesync
