// Dictionary of distinct 64-bit values (DOUBLE or INT64 bit patterns) for one column chunk:
// assigns each distinct value an index in first-seen order, the order of the dictionary page.
//
// Values are compared as bit patterns, so -0.0 and 0.0 (and NaNs with different payloads) stay
// distinct and every value reads back exactly. Open addressing with linear probing, at most
// half full; clear() keeps capacity, so after the first row group nothing is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aesync::parquet {

class ValueDictionary {
 public:
  //! Forgets all entries, keeps capacity.
  void clear();
  //! The index of `v`, inserted as a new entry if absent.
  uint32_t insert(uint64_t v) {
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    size_t s = slot_of(v);
    for (;;) {
      const uint32_t index = slots_[s];
      if (index == 0) break;
      if (entries_[index - 1] == v) return index - 1;
      s = (s + 1) & mask_;
    }
    const auto index = static_cast<uint32_t>(entries_.size());
    entries_.push_back(v);
    slots_[s] = index + 1;
    return index;
  }
  //! Brings the slot of `v` into the cache (a caller prefetches a few values ahead, so that a
  //! table larger than the L1 cache costs no wait per insert). A hint only.
  void prefetch(uint64_t v) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[slot_of(v)]);
  }
  size_t size() const { return entries_.size(); }
  //! The entries in index order (the PLAIN dictionary page: 8 little-endian bytes each).
  const std::vector<uint64_t>& entries() const { return entries_; }

 private:
  size_t slot_of(uint64_t v) const {
    // Fibonacci hashing: the high bits of the product depend on every bit of the value.
    return static_cast<size_t>((v * 0x9E3779B97F4A7C15ull) >> shift_) & mask_;
  }
  void grow();

  std::vector<uint32_t> slots_;  //!< entry index + 1; 0 = empty
  std::vector<uint64_t> entries_;
  size_t mask_ = 0;
  int shift_ = 64;
};

}  // namespace aesync::parquet
