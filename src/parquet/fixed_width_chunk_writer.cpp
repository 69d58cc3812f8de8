#include "parquet/fixed_width_chunk_writer.h"

#include <algorithm>
#include <cstring>

#include "parquet/statistics.h"

namespace aesync::parquet {

template <class T>
const T* FixedWidthChunkWriter<T>::data_of(const ColumnBuffer& values) {
  if constexpr (std::is_same_v<T, double>) {
    return values.doubles.data();
  } else {
    return values.ints.data();
  }
}

template <class T>
void FixedWidthChunkWriter<T>::encode(const ColumnBuffer& values, size_t begin, size_t end, PageScratch& s) {
  const uint8_t* defined = column_.nullable ? values.defined.data() : nullptr;
  rows_ += static_cast<int64_t>(end - begin);
  s.indices.clear();
  add_statistics(data_of(values), defined, begin, end);
  if (plan_ != Plan::Plain && dictionary_alive_) {
    const auto* bits = reinterpret_cast<const uint64_t*>(data_of(values));
    // Given up when the dictionary would pass the limit, or (in a trial) when nearly all of the
    // chunk's first 4096 values are distinct (measurements, counters).
    const size_t cap = options_.dictionary_limit_bytes / 8;
    constexpr int64_t kProbe = 4096;
    const bool trial = plan_ == Plan::Trial;
    constexpr size_t kAhead = 8;  // values whose slots are prefetched ahead of their insert
    for (size_t i = begin; i < end && dictionary_alive_; ++i) {
      if (i + kAhead < end) values_.prefetch(bits[i + kAhead]);
      if (defined != nullptr && !defined[i]) continue;
      s.indices.push_back(values_.insert(bits[i]));
      ++seen_;
      if (values_.size() > cap || (trial && seen_ == kProbe && values_.size() > static_cast<size_t>(kProbe * 9 / 10)))
        dictionary_alive_ = false;
    }
    if (values_.size() == 0) {
      // Only NULLs so far: PLAIN for the whole chunk (as for strings).
      dictionary_alive_ = false;
      indexed_.clear();
    } else if (dictionary_alive_) {
      write_data_pages(s, values, begin, end, true, values_.size(), indexed_);
      if (!trial) return;  // the dictionary alone
    } else if (trial) {
      indexed_.clear();  // the trial is over: PLAIN it is
    }
    // Not in a trial and the dictionary overflowed: the chunk goes on PLAIN after the
    // dictionary pages it has (as a string chunk does).
  }
  write_data_pages(s, values, begin, end, false, 0, plain_);
}

template <class T>
ColumnChunkMeta FixedWidthChunkWriter<T>::write(FileOutput& out, PageScratch& s) {
  bool use_dictionary = !indexed_.pages.empty();
  std::string page;
  int64_t dictionary_uncompressed = 0;
  if (use_dictionary) {
    const std::vector<uint64_t>& e = values_.entries();
    s.body.assign(reinterpret_cast<const char*>(e.data()), e.size() * 8);
    dictionary_uncompressed = make_page(s, false, static_cast<int32_t>(e.size()), kDictionaryEncoding, page);
    // A trial: the dictionary only if it and its indices come out smaller than PLAIN.
    if (plan_ == Plan::Trial && page.size() + indexed_.bytes >= plain_.bytes) use_dictionary = false;
  }
  // A trial holds two complete encodings and writes the one chosen; otherwise PLAIN pages are
  // the ones after a dictionary that overflowed, or all of them.
  ColumnChunkMeta meta = write_pages(out, use_dictionary ? &page : nullptr, dictionary_uncompressed,
                                     plan_ != Plan::Trial || !use_dictionary);
  if constexpr (std::is_same_v<T, double>) {
    meta.stats = double_bounds(nulls_, nans_, any_, lo_, hi_);
  } else {
    meta.stats = int64_bounds(nulls_, any_, lo_, hi_);
  }

  // The next row group's plan: a trial's winner, until the next trial; a dictionary that
  // overflowed calls for a trial.
  const bool overflowed = plan_ == Plan::Dictionary && !dictionary_alive_;
  if (plan_ == Plan::Trial) plan_ = use_dictionary ? Plan::Dictionary : Plan::Plain;
  if (overflowed || ++row_groups_since_trial_ >= kRetrialEvery) {
    plan_ = Plan::Trial;
    row_groups_since_trial_ = 0;
  }

  reset_pages();
  values_.clear();
  seen_ = nans_ = 0;
  any_ = false;
  return meta;
}

template <class T>
size_t FixedWidthChunkWriter<T>::plain_page_end(const ColumnBuffer& /*values*/, size_t begin, size_t end) const {
  return std::min(end, begin + std::min(std::max<size_t>(1, options_.page_bytes / 8), kMaxPageRows));
}

template <class T>
void FixedWidthChunkWriter<T>::append_plain(const ColumnBuffer& values, const uint8_t* defined, size_t begin,
                                            size_t end, size_t present, std::string& body) const {
  const char* src = reinterpret_cast<const char*>(data_of(values));
  if (defined == nullptr) {
    body.append(src + begin * 8, (end - begin) * 8);
    return;
  }
  const size_t pos = body.size();
  body.resize(pos + present * 8);
  char* dst = body.data() + pos;
  for (size_t i = begin; i < end; ++i) {
    if (!defined[i]) continue;
    std::memcpy(dst, src + i * 8, 8);
    dst += 8;
  }
}

template <class T>
void FixedWidthChunkWriter<T>::add_statistics(const T* v, const uint8_t* defined, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    if (defined != nullptr && !defined[i]) {
      ++nulls_;
      continue;
    }
    const T x = v[i];
    if constexpr (std::is_same_v<T, double>) {
      if (x != x) {
        ++nans_;
        continue;
      }
    }
    if (!any_) {
      lo_ = hi_ = x;
      any_ = true;
    }
    lo_ = std::min(lo_, x);  // on ties (-0.0 == 0.0) the bound seen first stays
    hi_ = std::max(hi_, x);
  }
}

template class FixedWidthChunkWriter<double>;
template class FixedWidthChunkWriter<int64_t>;

}  // namespace aesync::parquet
