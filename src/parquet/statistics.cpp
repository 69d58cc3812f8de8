#include "parquet/statistics.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace aesync::parquet {

namespace {

template <typename T>
std::string plain(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

}  // namespace

bool bytes_less(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  return c < 0 || (c == 0 && a.size() < b.size());
}

ChunkStatistics int64_statistics(const int64_t* values, const uint8_t* defined, size_t n) {
  int64_t lo = std::numeric_limits<int64_t>::max();
  int64_t hi = std::numeric_limits<int64_t>::min();
  int64_t nulls = 0;
  if (defined == nullptr) {
    for (size_t i = 0; i < n; ++i) {
      lo = std::min(lo, values[i]);
      hi = std::max(hi, values[i]);
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (!defined[i]) {
        ++nulls;
        continue;
      }
      lo = std::min(lo, values[i]);
      hi = std::max(hi, values[i]);
    }
  }
  return int64_bounds(nulls, static_cast<size_t>(nulls) < n, lo, hi);
}

ChunkStatistics int64_bounds(int64_t null_count, bool any, int64_t lo, int64_t hi) {
  ChunkStatistics st;
  st.legacy_min_max = true;
  st.null_count = null_count;
  if (any) {
    st.min_value = plain(lo);
    st.max_value = plain(hi);
  }
  return st;
}

ChunkStatistics double_statistics(const double* values, const uint8_t* defined, size_t n) {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  bool any = false;
  int64_t nulls = 0, nans = 0;
  for (size_t i = 0; i < n; ++i) {
    if (defined != nullptr && !defined[i]) {
      ++nulls;
      continue;
    }
    const double x = values[i];
    if (x != x) {
      ++nans;
      continue;
    }
    any = true;
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  return double_bounds(nulls, nans, any, lo, hi);
}

ChunkStatistics double_bounds(int64_t null_count, int64_t nan_count, bool any, double lo, double hi) {
  ChunkStatistics st;
  st.legacy_min_max = true;
  st.null_count = null_count;
  st.nan_count = nan_count;
  if (any) {
    // A zero bound is written with the sign that keeps both zeros inside [min, max].
    if (lo == 0.0) lo = -0.0;
    if (hi == 0.0) hi = 0.0;
    st.min_value = plain(lo);
    st.max_value = plain(hi);
  }
  return st;
}

ChunkStatistics StringMinMax::finish(int64_t null_count, size_t max_bytes) const {
  ChunkStatistics st;
  st.null_count = null_count;
  if (any_ && min_.size() <= max_bytes && max_.size() <= max_bytes) {
    st.min_value = std::string(min_);
    st.max_value = std::string(max_);
  }
  return st;
}

}  // namespace aesync::parquet
