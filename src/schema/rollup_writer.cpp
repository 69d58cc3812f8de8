#include "schema/rollup_writer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace aesync {

namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr uint64_t kCanonicalNaN = 0x7FF8000000000000ULL;

// Keys compare as bytes (std::string compares chars as unsigned char): big-endian integers with
// the sign bit flipped order as the signed values do.
void append_u64(std::string& key, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  key.append(b, 8);
}

uint64_t read_u64(std::string_view key, size_t& at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(key[at + i]);
  at += 8;
  return v;
}

uint64_t int_order(int64_t v) { return static_cast<uint64_t>(v) ^ kSignBit; }
int64_t int_from_order(uint64_t u) { return static_cast<int64_t>(u ^ kSignBit); }

// IEEE total order on the bits (negatives reversed), after -0.0 -> 0.0 and NaN -> one NaN, so
// equal values are one group and NaN sorts after +inf.
uint64_t double_order(double d) {
  if (d == 0) d = 0.0;
  uint64_t bits = std::isnan(d) ? kCanonicalNaN : std::bit_cast<uint64_t>(d);
  return (bits & kSignBit) ? ~bits : (bits | kSignBit);
}
double double_from_order(uint64_t u) { return std::bit_cast<double>((u & kSignBit) ? (u & ~kSignBit) : ~u); }

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && (a < 0) != (b < 0)) --q;
  return q;
}

}  // namespace

void RollupWriter::Groups::clear() {
  index.clear();
  samples.clear();
  weight.clear();
  values.clear();
}

RollupWriter::RollupWriter(const TableShape& shape, std::unique_ptr<TableWriter> out)
    : shape_(shape), out_(std::move(out)) {
  if (!shape_.rollup) throw std::invalid_argument("RollupWriter: the table has no rollup");
  if (!out_) throw std::invalid_argument("RollupWriter: no output writer");
  input_ = shape_.input_schema();
  by_count_ = shape_.rollup->by.size();
  value_count_ = shape_.rollup->values.size();
  for (size_t b = 0; b < by_count_; ++b) by_types_.push_back(input_.columns[1 + b].type);
  for (size_t v = 0; v < value_count_; ++v) value_types_.push_back(input_.columns[1 + by_count_ + v].type);
  bucket_ms_ = shape_.rollup->every_seconds * 1000;
  if (bucket_ms_ <= 0) throw std::invalid_argument("RollupWriter: rollup.every must be positive");
  batch_ = RowBatch(shape_.output_schema());
}

void RollupWriter::encode_key(int64_t bucket, const RowBatch& batch, size_t row) {
  key_.clear();
  append_u64(key_, int_order(bucket));
  for (size_t b = 0; b < by_count_; ++b) {
    const ColumnBuffer& c = batch.columns[1 + b];
    if (c.is_null(row)) {
      key_ += '\0';  // NULL sorts before every value
      continue;
    }
    key_ += '\1';
    switch (by_types_[b]) {
      case ColumnType::String: {
        // Bytes as they are, a 0x00 escaped as 00 FF, ended by 00 00: a prefix sorts first.
        const std::string_view s = c.string_at(row);
        if (std::memchr(s.data(), 0, s.size()) == nullptr) {
          key_.append(s);
        } else {
          for (char ch : s) {
            key_ += ch;
            if (ch == '\0') key_ += '\xFF';
          }
        }
        key_.append(2, '\0');
        break;
      }
      case ColumnType::Double: append_u64(key_, double_order(c.doubles[row])); break;
      case ColumnType::Int64:
      case ColumnType::Timestamp: append_u64(key_, int_order(c.ints[row])); break;
    }
  }
}

void RollupWriter::add(Groups& groups, const RowBatch& batch, size_t row) {
  uint32_t g;
  if (auto it = groups.index.find(std::string_view(key_)); it != groups.index.end()) {
    g = it->second;
  } else {
    g = static_cast<uint32_t>(groups.size());
    groups.index.emplace(key_, g);
    groups.samples.push_back(0);
    groups.weight.push_back(0);
    groups.values.resize(groups.values.size() + value_count_);
  }
  const int64_t w = batch.columns[1 + by_count_ + value_count_].ints[row];
  groups.samples[g] += 1;
  groups.weight[g] += w;
  ValueState* states = groups.values.data() + static_cast<size_t>(g) * value_count_;
  for (size_t v = 0; v < value_count_; ++v) {
    const ColumnBuffer& c = batch.columns[1 + by_count_ + v];
    if (c.is_null(row)) continue;
    ValueState& s = states[v];
    double x;
    if (value_types_[v] == ColumnType::Double) {
      x = c.doubles[row];
      if (s.count == 0 || std::isnan(s.dmin)) {  // first value, or only NaN so far
        s.dmin = s.dmax = x;
      } else if (x < s.dmin) {  // a NaN x fails both comparisons: ignored
        s.dmin = x;
      } else if (x > s.dmax) {
        s.dmax = x;
      }
    } else {
      const int64_t i = c.ints[row];
      x = static_cast<double>(i);
      if (s.count == 0) {
        s.imin = s.imax = i;
      } else {
        s.imin = std::min(s.imin, i);
        s.imax = std::max(s.imax, i);
      }
    }
    s.count += 1;
    s.weight += w;
    s.sum += x;
    s.weighted_sum += x * static_cast<double>(w);
  }
}

void RollupWriter::write(const RowBatch& batch) {
  if (closed_) throw std::logic_error("RollupWriter: write() after close()");
  if (batch.columns.size() != input_.columns.size())
    throw std::invalid_argument("RollupWriter: a batch of " + std::to_string(batch.columns.size()) +
                                " columns; the rollup's input has " + std::to_string(input_.columns.size()));
  const std::vector<int64_t>& timestamps = batch.columns[0].ints;
  for (size_t row = 0; row < batch.rows; ++row) {
    const int64_t bucket = floor_div(timestamps[row], bucket_ms_) * bucket_ms_;
    if (!has_open_) {
      has_open_ = true;
      open_bucket_ = bucket;
    } else if (bucket > open_bucket_) {
      flush(open_);
      open_bucket_ = bucket;
    } else if (bucket < open_bucket_) {
      encode_key(bucket, batch, row);
      add(late_, batch, row);
      ++late_rows_;
      continue;
    }
    encode_key(open_bucket_, batch, row);
    add(open_, batch, row);
  }
}

void RollupWriter::flush(Groups& groups) {
  std::vector<std::pair<std::string_view, uint32_t>> order;
  order.reserve(groups.size());
  for (const auto& [key, g] : groups.index) order.emplace_back(key, g);
  std::sort(order.begin(), order.end());
  const size_t samples_at = 1 + by_count_;
  for (const auto& [key, g] : order) {
    size_t at = 0;
    batch_.columns[0].append_int(int_from_order(read_u64(key, at)));
    for (size_t b = 0; b < by_count_; ++b) {
      ColumnBuffer& c = batch_.columns[1 + b];
      if (key[at++] == '\0') {
        c.append_null();
        continue;
      }
      switch (by_types_[b]) {
        case ColumnType::String: {
          const size_t start = at;
          bool escaped = false;
          while (!(key[at] == '\0' && key[at + 1] == '\0')) {
            if (key[at] == '\0') {
              escaped = true;
              ++at;  // its FF
            }
            ++at;
          }
          std::string_view s = key.substr(start, at - start);
          at += 2;
          if (!escaped) {
            c.append_string(s);
          } else {
            std::string unescaped;
            for (size_t i = 0; i < s.size(); ++i) {
              unescaped += s[i];
              if (s[i] == '\0') ++i;
            }
            c.append_string(unescaped);
          }
          break;
        }
        case ColumnType::Double: c.append_double(double_from_order(read_u64(key, at))); break;
        case ColumnType::Int64:
        case ColumnType::Timestamp: c.append_int(int_from_order(read_u64(key, at))); break;
      }
    }
    batch_.columns[samples_at].append_int(groups.samples[g]);
    batch_.columns[samples_at + 1].append_int(groups.weight[g]);
    const ValueState* states = groups.values.data() + static_cast<size_t>(g) * value_count_;
    for (size_t v = 0; v < value_count_; ++v) {
      const ValueState& s = states[v];
      ColumnBuffer* c = &batch_.columns[samples_at + 2 + 4 * v];
      if (s.count == 0) {  // NULL on every row (only a nullable value can be)
        for (int i = 0; i < 4; ++i) c[i].append_null();
        continue;
      }
      if (value_types_[v] == ColumnType::Double) {
        c[0].append_double(s.dmin);
        c[1].append_double(s.dmax);
      } else {
        c[0].append_int(s.imin);
        c[1].append_int(s.imax);
      }
      c[2].append_double(s.sum);
      if (s.weight == 0 && c[3].nullable) {
        c[3].append_null();
      } else {
        c[3].append_double(s.weighted_sum / static_cast<double>(s.weight));
      }
    }
    if (++batch_.rows == kMaxOutputRows) write_out();
  }
  write_out();
  groups.clear();
}

void RollupWriter::write_out() {
  if (batch_.rows == 0) return;
  out_->write(batch_);
  batch_.clear();
}

void RollupWriter::close() {
  if (closed_) return;
  closed_ = true;
  flush(open_);
  flush(late_);
  out_->close();
}

}  // namespace aesync
