#include "parquet/string_dictionary.h"

#include <cstring>

#include "parquet/format.h"

namespace aesync::parquet {

namespace {

constexpr uint64_t kMul1 = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kMul2 = 0xC2B2AE3D27D4EB4Full;
constexpr size_t kInitialSlots = 1024;

// 64x64 -> 128-bit multiply, the halves xored (the "mum" step of wyhash-like hashes).
inline uint64_t fold(uint64_t a, uint64_t b) {
  const unsigned __int128 m = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
}

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
  // Dictionary values are mostly short ids and names: up to 16 bytes a value is two (possibly
  // overlapping) loads folded by one 64x64->128 multiply, without a loop or a branch on each
  // byte; longer values fold 16 bytes a step. The fold's two halves both depend on every input
  // bit, so the slot bits (low) and the tag bits (high) do too.
  const char* p = v.data();
  const size_t n = v.size();
  uint64_t a, b;
  if (n >= 8) {
    a = load_u64(p);
    b = load_u64(n > 16 ? p + 8 : p + n - 8);
  } else if (n >= 4) {
    a = load_u32(p);
    b = load_u32(p + n - 4);
  } else if (n > 0) {
    a = (static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16) |
        (static_cast<uint64_t>(static_cast<uint8_t>(p[n / 2])) << 8) | static_cast<uint8_t>(p[n - 1]);
    b = 0;
  } else {
    a = b = 0;
  }
  uint64_t h = fold(a ^ kMul1, b ^ kMul2 ^ n);
  for (size_t i = 16; i < n; i += 16) {
    // Past 16 bytes: the blocks after the first, the last one ending at the value's end.
    const size_t at = i + 16 <= n ? i : n - 16;
    h = fold(load_u64(p + at) ^ h, load_u64(p + at + 8) ^ kMul1);
  }
  return fold(h, kMul2);
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

uint32_t StringDictionary::insert(std::string_view v, uint64_t h) {
  if ((entries_.size() + 1) * 2 > slots_.size()) grow();
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
