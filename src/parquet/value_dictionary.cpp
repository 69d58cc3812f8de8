#include "parquet/value_dictionary.h"

#include <algorithm>
#include <bit>

namespace aesync::parquet {

namespace {
constexpr size_t kInitialSlots = 1024;
}

void ValueDictionary::clear() {
  entries_.clear();
  std::fill(slots_.begin(), slots_.end(), 0u);
}

void ValueDictionary::grow() {
  const size_t n = slots_.empty() ? kInitialSlots : slots_.size() * 2;
  slots_.assign(n, 0u);
  mask_ = n - 1;
  shift_ = 64 - std::countr_zero(n);
  for (size_t i = 0; i < entries_.size(); ++i) {
    size_t s = slot_of(entries_[i]);
    while (slots_[s] != 0) s = (s + 1) & mask_;
    slots_[s] = static_cast<uint32_t>(i + 1);
  }
}

}  // namespace aesync::parquet
