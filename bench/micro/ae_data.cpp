// Generator and caches behind ae_data.h (setup only: nothing here runs inside a timed loop).
#include "ae_data.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>

#include "source/jsoneachrow_reader.h"
#include "util/time.h"

namespace aesync::bench {

namespace {

constexpr uint64_t kSeed = 11;
constexpr size_t kMachines = 5000;
constexpr size_t kOrgs = 200;
constexpr double kRowsPerSecond = 2'000'000.0 / 86'400;

constexpr std::array<const char*, 5> kMachineTypes = {"shared-cpu-1x", "shared-cpu-2x", "performance-1x",
                                                      "performance-2x", "performance-8x"};
// The e2e generator's process names: mostly plain, some needing JSON escapes or multi-byte UTF-8,
// so the reader's slow paths get their realistic (small) share.
constexpr std::array<const char*, 13> kProcessNames = {"node",
                                                       "bun",
                                                       "python3",
                                                       "postgres",
                                                       "nginx",
                                                       "redis-server",
                                                       "worker-日本",
                                                       "café",
                                                       "deno 🦕",
                                                       "/usr/bin/env \"quoted\"",
                                                       "C:\\tools\\agent.exe",
                                                       "tab\tand\u2028sep",
                                                       "ünïcödé-😀-proc"};

// Uniform draws defined here rather than by <random>'s distributions, whose algorithms are
// implementation-defined: the data set is the same on every standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  double next() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  uint64_t below(uint64_t n) { return gen_() % n; }
  int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1))); }
  bool chance(double p) { return next() < p; }

 private:
  std::mt19937_64 gen_;
};

struct Machine {
  std::string id, org, project, type;
};

std::vector<Machine> make_fleet(Rng& rng) {
  std::vector<Machine> fleet;
  fleet.reserve(kMachines);
  char buf[64];
  for (size_t m = 0; m < kMachines; ++m) {
    const auto org = static_cast<unsigned>(rng.below(kOrgs));
    Machine machine;
    std::snprintf(buf, sizeof buf, "m_%08llx", static_cast<unsigned long long>(rng.below(uint64_t{1} << 32)));
    machine.id = buf;
    char b36[16];
    const auto r = std::to_chars(b36, b36 + sizeof b36, static_cast<unsigned>(m), 36);
    machine.id.append(b36, r.ptr);
    std::snprintf(buf, sizeof buf, "org_%03u", org);
    machine.org = buf;
    std::snprintf(buf, sizeof buf, "proj_%u_%u", org, static_cast<unsigned>(rng.below(6)));
    machine.project = buf;
    machine.type = kMachineTypes[rng.below(kMachineTypes.size())];
    fleet.push_back(std::move(machine));
  }
  return fleet;
}

void put_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c == '\t') {
      out.append("\\t");
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out.append(buf);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

// Shortest round-trip form, as JavaScript's String(number) writes the numbers AE sends.
void put_number(std::string& out, double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void put_field(std::string& out, const char* key, std::string_view value) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
  put_json_string(out, value);
  out.push_back(',');
}

void put_field(std::string& out, const char* key, double value) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
  put_number(out, value);
  out.push_back(',');
}

std::string generate_json(size_t rows) {
  Rng rng(kSeed);
  const std::vector<Machine> fleet = make_fleet(rng);
  const int64_t day_start_s = days_from_civil(2026, 2, 3) * 86'400;
  const auto whole = static_cast<int64_t>(std::floor(kRowsPerSecond));
  const double frac = kRowsPerSecond - static_cast<double>(whole);

  std::string out;
  out.reserve(rows * 280);
  size_t written = 0;
  for (int64_t sec = 0; written < rows; ++sec) {
    const int64_t n = whole + (rng.chance(frac) ? 1 : 0);
    const int64_t t = day_start_s + sec;
    char ts[48];
    const int64_t tod = t % 86'400;
    std::snprintf(ts, sizeof ts, "2026-02-%02lld %02lld:%02lld:%02lld", static_cast<long long>(3 + sec / 86'400),
                  static_cast<long long>(tod / 3600), static_cast<long long>(tod / 60 % 60),
                  static_cast<long long>(tod % 60));
    for (int64_t i = 0; i < n && written < rows; ++i, ++written) {
      const Machine& m = fleet[rng.below(fleet.size())];
      const double k = rng.next();
      const char* kind = k < 0.7 ? "resource" : k < 0.95 ? "process" : "startup";
      double d1 = 0, d2 = 0, d3 = 0, d4 = 0;
      std::string_view proc;
      if (k < 0.7) {
        d1 = std::round(rng.next() * 10000) / 100;
        d2 = std::round(rng.next() * 10000) / 100;
        d3 = static_cast<double>(rng.below(uint64_t{1} << 31));
        d4 = rng.chance(0.5) ? 0 : rng.next();
      } else if (k < 0.95) {
        d1 = std::round(rng.next() * 40000) / 100;
        d2 = static_cast<double>(rng.range(1, 8192)) + static_cast<double>(rng.below(100)) / 100;
        d3 = static_cast<double>(rng.range(1, 65535));
        proc = rng.chance(0.2) ? "" : kProcessNames[rng.below(kProcessNames.size())];
      } else {
        d1 = static_cast<double>(rng.range(150, 30'000));
      }
      const double si = rng.next();
      const double sample_interval = si < 0.8 ? 1 : si < 0.9 ? 2 : si < 0.95 ? 4 : si < 0.99 ? 10 : 100;

      out.push_back('{');
      put_field(out, "_sample_interval", sample_interval);
      put_field(out, "blob1", m.org);
      put_field(out, "blob2", m.project);
      put_field(out, "blob3", m.type);
      put_field(out, "blob4", kind);
      put_field(out, "blob5", proc);
      put_field(out, "dataset", "machine_metrics");
      put_field(out, "double1", d1);
      put_field(out, "double2", d2);
      put_field(out, "double3", d3);
      put_field(out, "double4", d4);
      put_field(out, "index1", m.id);
      put_field(out, "timestamp", std::string_view(ts));
      out.back() = '}';
      out.push_back('\n');
    }
  }
  return out;
}

template <typename T>
using Cache = std::map<size_t, std::unique_ptr<T>>;

// Keeps every raw value of every row; string values are stored as offsets into one arena
// until reading ends (the arena may move while it grows), then turned into views.
class RawRowCollector final : public RowConsumer {
 public:
  RawRowCollector(std::vector<RawValue>& values, std::vector<uint64_t>& lines, std::string& strings,
                  std::vector<std::pair<size_t, size_t>>& spans)
      : values_(values), lines_(lines), strings_(strings), spans_(spans) {}
  void on_row(const RawRow& row) override {
    for (size_t i = 0; i < row.size; ++i) {
      RawValue v = row[i];
      spans_.emplace_back(strings_.size(), v.s.size());
      strings_.append(v.s);
      v.s = {};
      values_.push_back(v);
    }
    lines_.push_back(row.line);
  }

 private:
  std::vector<RawValue>& values_;
  std::vector<uint64_t>& lines_;
  std::string& strings_;
  std::vector<std::pair<size_t, size_t>>& spans_;
};

class BatchFiller final : public RowConsumer {
 public:
  explicit BatchFiller(RowBatch& batch) : batch_(batch) {}
  void on_row(const RawRow& row) override { builtin_mapper().append(row, batch_); }

 private:
  RowBatch& batch_;
};

void read_all(const std::string& json, RowConsumer& consumer) {
  JsonEachRowReader reader(builtin_mapper().raw_columns(), consumer);
  reader.feed(json.data(), json.size());
  reader.finish();
}

}  // namespace

const std::string& ae_json(size_t rows) {
  static Cache<std::string> cache;
  auto& slot = cache[rows];
  if (!slot) slot = std::make_unique<std::string>(generate_json(rows));
  return *slot;
}

const Schema& builtin_schema() {
  static const Schema schema = Schema::builtin_machine_metrics();
  return schema;
}

const Mapper& builtin_mapper() {
  static const Mapper mapper(builtin_schema());
  return mapper;
}

const RawRows& ae_raw_rows(size_t rows) {
  static Cache<RawRows> cache;
  auto& slot = cache[rows];
  if (!slot) {
    auto raw = std::make_unique<RawRows>();
    raw->width_ = builtin_mapper().raw_columns().size();
    std::vector<std::pair<size_t, size_t>> spans;
    RawRowCollector collector(raw->values_, raw->lines_, raw->strings_, spans);
    read_all(ae_json(rows), collector);
    for (size_t i = 0; i < raw->values_.size(); ++i)
      raw->values_[i].s = std::string_view(raw->strings_).substr(spans[i].first, spans[i].second);
    slot = std::move(raw);
  }
  return *slot;
}

const RowBatch& ae_batch(size_t rows) {
  static Cache<RowBatch> cache;
  auto& slot = cache[rows];
  if (!slot) {
    auto batch = std::make_unique<RowBatch>(builtin_schema());
    BatchFiller filler(*batch);
    read_all(ae_json(rows), filler);
    if (batch->rows != rows) throw std::logic_error("generated batch has the wrong row count");
    slot = std::move(batch);
  }
  return *slot;
}

int builtin_column(std::string_view name) {
  const Schema& s = builtin_schema();
  for (size_t i = 0; i < s.columns.size(); ++i)
    if (s.columns[i].name == name) return static_cast<int>(i);
  return -1;
}

size_t column_value_bytes(const ColumnBuffer& c, size_t rows) {
  return c.type == ColumnType::String ? c.bytes.size() : rows * 8;
}

}  // namespace aesync::bench
