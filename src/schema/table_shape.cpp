#include "schema/table_shape.h"

#include <algorithm>

#include "util/sha256.h"

namespace aesync {

std::vector<ColumnSignature> signatures(const std::vector<ColumnSpec>& columns) {
  std::vector<ColumnSignature> out;
  out.reserve(columns.size());
  for (const ColumnSpec& c : columns) out.push_back({c.name, c.type, c.from, c.nullable()});
  return out;
}

std::string schema_fingerprint(const std::vector<ColumnSignature>& mapping, const std::vector<WhenCondition>& where,
                               const std::optional<RollupSpec>& rollup) {
  // One line per item; names and raw columns cannot hold '\n' or ' ', and a where value is
  // length-prefixed, so two different definitions never give the same text.
  std::string text = "aesync-schema-1\n";
  for (const ColumnSignature& c : mapping)
    text += "column " + c.name + " " + std::string(to_string(c.type)) + " " + c.from.name() +
            (c.nullable ? " nullable\n" : " required\n");
  for (const WhenCondition& w : where)
    text += "where " + w.raw.name() + " " + std::to_string(w.equals.size()) + ":" + w.equals + "\n";
  if (rollup) {
    text += "rollup every " + std::to_string(rollup->every_seconds) + "\n";
    for (const std::string& b : rollup->by) text += "rollup by " + b + "\n";
    for (const std::string& v : rollup->values) text += "rollup value " + v + "\n";
  }
  return Sha256::hex(text).substr(0, 16);
}

const ColumnSpec* TableShape::column(std::string_view name) const {
  for (const ColumnSpec& c : mapping.columns)
    if (c.name == name) return &c;
  return nullptr;
}

namespace {

constexpr RawColumn kTimestamp{RawColumn::Kind::Timestamp, 0};
constexpr RawColumn kSampleInterval{RawColumn::Kind::SampleInterval, 0};

// The rollup's bucket column: named as the mapping's timestamp column.
ColumnSpec bucket_column(const Schema& mapping) {
  ColumnSpec c;
  c.name = "timestamp";
  for (const ColumnSpec& m : mapping.columns)
    if (m.from == kTimestamp && m.type == ColumnType::Timestamp && !m.nullable()) {
      c.name = m.name;
      break;
    }
  c.from = kTimestamp;
  c.type = ColumnType::Timestamp;
  return c;
}

}  // namespace

Schema TableShape::input_schema() const {
  if (!rollup) return mapping;
  Schema s;
  s.columns.push_back(bucket_column(mapping));
  for (const std::string& b : rollup->by) s.columns.push_back(*column(b));
  for (const std::string& v : rollup->values) s.columns.push_back(*column(v));
  s.columns.push_back(ColumnSpec{"weight", kSampleInterval, ColumnType::Int64, std::nullopt, false});
  return s;
}

Schema TableShape::output_schema() const {
  if (!rollup) return mapping;
  Schema s;
  s.columns.push_back(bucket_column(mapping));
  for (const std::string& b : rollup->by) s.columns.push_back(*column(b));
  s.columns.push_back(ColumnSpec{"samples", kTimestamp, ColumnType::Int64, std::nullopt, false});
  s.columns.push_back(ColumnSpec{"weight", kSampleInterval, ColumnType::Int64, std::nullopt, false});
  for (const std::string& v : rollup->values) {
    const ColumnSpec& value = *column(v);
    auto aggregate = [&](std::string_view suffix, ColumnType type) {
      ColumnSpec c;
      c.name = value.name + std::string(suffix);
      c.from = value.from;
      c.type = type;
      c.declared_nullable = value.nullable();
      s.columns.push_back(std::move(c));
    };
    aggregate("_min", value.type);
    aggregate("_max", value.type);
    aggregate("_sum", ColumnType::Double);
    aggregate("_avg", ColumnType::Double);
  }
  return s;
}

std::vector<RawColumn> TableShape::raw_columns() const {
  std::vector<RawColumn> out = input_schema().raw_columns();
  for (const WhenCondition& w : where)
    if (std::find(out.begin(), out.end(), w.raw) == out.end()) out.push_back(w.raw);
  return out;
}

std::string TableShape::fingerprint() const { return schema_fingerprint(signatures(mapping.columns), where, rollup); }

}  // namespace aesync
