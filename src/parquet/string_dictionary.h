// Dictionary of distinct strings for one column chunk: assigns each distinct value an index in
// first-seen order (the order of the dictionary page).
//
// A column chunk spans several row batches, so the dictionary keeps its own copy of each
// distinct value (one arena; repeated values copy nothing). The table is open addressing with
// linear probing over (hash, index) slots, kept at most half full; clear() keeps all capacity,
// so after the first row group the dictionary allocates nothing. plain_bytes() is the size of
// the PLAIN-encoded dictionary page (4-byte length + bytes per entry), what the writer compares
// against its dictionary limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aesync::parquet {

class StringDictionary {
 public:
  //! Forgets all entries, keeps capacity.
  void clear();
  //! The index of `v`, inserted as a new entry if absent.
  uint32_t insert(std::string_view v) { return insert(v, hash(v)); }
  //! The same, with `h` = hash(v) computed beforehand (see prefetch()).
  uint32_t insert(std::string_view v, uint64_t h);
  //! Brings the slot of a value of hash `h` into the cache: a caller that knows the values
  //! to come hashes a few ahead, so that a table larger than the L1 cache costs no wait per
  //! insert. A hint only (a later insert may grow the table).
  void prefetch(uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[h & mask_]);
  }
  size_t size() const { return entries_.size(); }
  //! Entry `i`; valid until the next insert() or clear().
  std::string_view entry(size_t i) const {
    return std::string_view(arena_).substr(entries_[i].offset, entries_[i].size);
  }
  //! Size of the PLAIN encoding of all entries.
  size_t plain_bytes() const { return plain_bytes_; }

  //! The hash used for slots (exposed for tests: equal strings, equal hashes).
  static uint64_t hash(std::string_view v);

 private:
  struct Slot {
    uint32_t tag;    //!< high 32 bits of the hash, to skip most string compares
    uint32_t index;  //!< entry index + 1; 0 = empty
  };
  void grow();

  struct Entry {
    size_t offset;  //!< in arena_
    size_t size;
  };

  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::string arena_;
  size_t plain_bytes_ = 0;
  size_t mask_ = 0;
};

}  // namespace aesync::parquet
