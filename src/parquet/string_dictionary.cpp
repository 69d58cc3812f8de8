#include "parquet/string_dictionary.h"

#include <bit>
#include <cstring>

#include "parquet/format.h"

namespace aesync::parquet {

namespace {

constexpr uint64_t kMul1 = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kMul2 = 0xC2B2AE3D27D4EB4Full;
constexpr size_t kInitialSlots = 1024;

inline uint64_t mix(uint64_t h, uint64_t w) { return std::rotl((h ^ w) * kMul1, 31) * kMul2; }

// a[0, n) == b[0, n). Dictionary values are mostly short ids and names: up to 16 bytes they are
// compared with two (overlapping) word loads inside the strings, no call into memcmp.
inline bool same_bytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    return load_u64(a) == load_u64(b) && load_u64(a + n - 8) == load_u64(b + n - 8);
  }
  if (n >= 4) return load_u32(a) == load_u32(b) && load_u32(a + n - 4) == load_u32(b + n - 4);
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

}  // namespace

uint64_t StringDictionary::hash(std::string_view v) {
  const char* p = v.data();
  size_t n = v.size();
  uint64_t h = kMul2 ^ (static_cast<uint64_t>(n) * kMul1);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = mix(h, w);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = mix(h, w);
  }
  // Final avalanche so both the slot bits (low) and the tag bits (high) depend on every byte.
  h ^= h >> 33;
  h *= kMul1;
  h ^= h >> 29;
  return h;
}

void StringDictionary::clear() {
  entries_.clear();
  arena_.clear();
  plain_bytes_ = 0;
  if (!slots_.empty()) std::memset(slots_.data(), 0, slots_.size() * sizeof(Slot));
}

void StringDictionary::grow() {
  const size_t n = slots_.empty() ? kInitialSlots : slots_.size() * 2;
  slots_.assign(n, Slot{0, 0});
  mask_ = n - 1;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const uint64_t h = hash(entry(i));
    size_t s = h & mask_;
    while (slots_[s].index != 0) s = (s + 1) & mask_;
    slots_[s] = Slot{static_cast<uint32_t>(h >> 32), static_cast<uint32_t>(i + 1)};
  }
}

uint32_t StringDictionary::insert(std::string_view v) {
  if ((entries_.size() + 1) * 2 > slots_.size()) grow();
  const uint64_t h = hash(v);
  const auto tag = static_cast<uint32_t>(h >> 32);
  size_t s = h & mask_;
  for (;;) {
    const Slot slot = slots_[s];
    if (slot.index == 0) break;
    if (slot.tag == tag) {
      const Entry& e = entries_[slot.index - 1];
      if (e.size == v.size() && same_bytes(arena_.data() + e.offset, v.data(), v.size())) return slot.index - 1;
    }
    s = (s + 1) & mask_;
  }
  const auto index = static_cast<uint32_t>(entries_.size());
  entries_.push_back(Entry{arena_.size(), v.size()});
  arena_.append(v);
  plain_bytes_ += 4 + v.size();
  slots_[s] = Slot{tag, index + 1};
  return index;
}

}  // namespace aesync::parquet
