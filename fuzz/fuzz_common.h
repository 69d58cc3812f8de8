// Helpers shared by the fuzz targets: property checks whose failure is a bug (check() aborts,
// so libFuzzer records the input as a crash), and a small deterministic PRNG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "util/utf8.h"

namespace fuzz {

//! Aborts with `what` when `ok` is false: a broken property, not an expected rejection.
inline void check(bool ok, const char* what, std::string_view detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "property violated: %s\n", what);
  if (!detail.empty()) std::fprintf(stderr, "detail: %.*s\n", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

//! Whether s is well-formed UTF-8 (Unicode ch. 3, Table 3-7: no overlongs, no surrogates,
//! nothing above U+10FFFF).
inline bool is_valid_utf8(std::string_view s) { return aesync::utf8::valid(s); }

//! Whether s holds a C0 control character or DEL (they must not reach log lines or headers).
inline bool has_control(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

//! FNV-1a, to compare the outcomes of two runs over the same input.
struct Digest {
  uint64_t h = 1469598103934665603ull;
  void add(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  }
  void add(std::string_view s) {
    const uint64_t n = s.size();
    add(&n, sizeof n);
    add(s.data(), s.size());
  }
  template <class T>
  void add_value(T v) {
    add(&v, sizeof v);
  }
};

//! xorshift32: chunk sizes and the like, reproducible from a seed byte of the input.
struct Rng {
  uint32_t s;
  explicit Rng(uint32_t seed) : s(seed ? seed : 0x9e3779b9u) {}
  uint32_t next() {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
  }
};

}  // namespace fuzz
