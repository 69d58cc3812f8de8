#include "schema/schema.h"

#include <algorithm>

namespace aesync {

std::string_view to_string(ColumnType t) {
  switch (t) {
    case ColumnType::String: return "string";
    case ColumnType::Double: return "double";
    case ColumnType::Int64: return "int64";
    case ColumnType::Timestamp: return "timestamp";
  }
  return "?";
}

std::string RawColumn::name() const {
  switch (kind) {
    case Kind::Timestamp: return "timestamp";
    case Kind::SampleInterval: return "_sample_interval";
    case Kind::Dataset: return "dataset";
    case Kind::Index: return "index" + std::to_string(number);
    case Kind::Blob: return "blob" + std::to_string(number);
    case Kind::Double: return "double" + std::to_string(number);
  }
  return "?";
}

namespace {

// "blob7" with prefix "blob" and max 20 -> 7; 0 when not of that form (no leading zeros).
unsigned numbered(std::string_view name, std::string_view prefix, unsigned max) {
  if (name.substr(0, prefix.size()) != prefix) return 0;
  std::string_view digits = name.substr(prefix.size());
  if (digits.empty() || digits.size() > 2 || digits[0] == '0') return 0;
  unsigned n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  return n <= max ? n : 0;
}

}  // namespace

std::optional<RawColumn> RawColumn::parse(std::string_view name) {
  using K = Kind;
  if (name == "timestamp") return RawColumn{K::Timestamp, 0};
  if (name == "_sample_interval") return RawColumn{K::SampleInterval, 0};
  if (name == "dataset") return RawColumn{K::Dataset, 0};
  if (name == "index1") return RawColumn{K::Index, 1};
  if (unsigned n = numbered(name, "blob", 20)) return RawColumn{K::Blob, static_cast<uint8_t>(n)};
  if (unsigned n = numbered(name, "double", 20)) return RawColumn{K::Double, static_cast<uint8_t>(n)};
  return std::nullopt;
}

bool can_map(RawColumn raw, ColumnType type) {
  using K = RawColumn::Kind;
  switch (type) {
    case ColumnType::String: return raw.is_string();
    case ColumnType::Double:
    case ColumnType::Int64: return raw.kind == K::Double || raw.kind == K::SampleInterval;
    case ColumnType::Timestamp: return raw.kind == K::Timestamp;
  }
  return false;
}

Schema Schema::builtin_machine_metrics() {
  using K = RawColumn::Kind;
  auto blob = [](uint8_t n) { return RawColumn{K::Blob, n}; };
  auto dbl = [](uint8_t n) { return RawColumn{K::Double, n}; };
  const WhenCondition resource{blob(4), "resource"};
  const WhenCondition startup{blob(4), "startup"};
  Schema s;
  s.columns = {
      {"timestamp", {K::Timestamp, 0}, ColumnType::Timestamp, std::nullopt, false},
      {"machine_id", {K::Index, 1}, ColumnType::String, std::nullopt, false},
      {"org_id", blob(1), ColumnType::String, std::nullopt, false},
      {"project_id", blob(2), ColumnType::String, std::nullopt, false},
      {"machine_type", blob(3), ColumnType::String, std::nullopt, false},
      {"metric_type", blob(4), ColumnType::String, std::nullopt, false},
      {"process_name", blob(5), ColumnType::String, std::nullopt, true},
      {"sample_interval", {K::SampleInterval, 0}, ColumnType::Int64, std::nullopt, false},
      {"value1", dbl(1), ColumnType::Double, std::nullopt, false},
      {"value2", dbl(2), ColumnType::Double, std::nullopt, false},
      {"value3", dbl(3), ColumnType::Double, std::nullopt, false},
      {"value4", dbl(4), ColumnType::Double, std::nullopt, false},
      {"cpu_percent", dbl(1), ColumnType::Double, resource, false},
      {"memory_percent", dbl(2), ColumnType::Double, resource, false},
      {"time_to_ready_ms", dbl(1), ColumnType::Double, startup, false},
  };
  return s;
}

std::vector<RawColumn> Schema::raw_columns() const {
  std::vector<RawColumn> out{RawColumn{RawColumn::Kind::Timestamp, 0}};
  auto add = [&](RawColumn r) {
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  };
  for (const ColumnSpec& c : columns) {
    add(c.from);
    if (c.when) add(c.when->raw);
  }
  return out;
}

}  // namespace aesync
