#include "parquet/fixed_width_chunk_writer.h"

#include <algorithm>
#include <cstring>

#include "parquet/byte_stream_split.h"
#include "parquet/delta_binary_packed_encoder.h"
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
  if ((plan_ == Plan::Trial || plan_ == Plan::Dictionary) && dictionary_alive_) {
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
      write_data_pages(s, values, begin, end, kDictionaryEncoding, values_.size(), indexed_);
      if (!trial) return;  // the dictionary alone
    } else if (trial) {
      indexed_.clear();  // out of the trial: PLAIN and kValueEncoding remain
    }
    // Not in a trial and the dictionary overflowed: the chunk goes on PLAIN after the
    // dictionary pages it has (as a string chunk does).
  }
  if (plan_ != Plan::Trial) {
    if (plan_ == Plan::Encoded)
      write_data_pages(s, values, begin, end, kValueEncoding, 0, encoded_);
    else
      write_data_pages(s, values, begin, end, Encoding::PLAIN, 0, plain_);
    return;
  }
  if (trial_plain_) write_data_pages(s, values, begin, end, Encoding::PLAIN, 0, plain_);
  if (trial_encoded_) write_data_pages(s, values, begin, end, kValueEncoding, 0, encoded_);
  // Once one of the two is clearly (5%) larger after a batch, it is dropped from the trial: its
  // pages would only be held (memory) and compressed (CPU) to lose.
  if (trial_plain_ && trial_encoded_) {
    if (encoded_.bytes * 20 < plain_.bytes * 19) {
      trial_plain_ = false;
      plain_.clear();
    } else if (plain_.bytes * 20 < encoded_.bytes * 19) {
      trial_encoded_ = false;
      encoded_.clear();
    }
  }
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
  }
  // Value pages: PLAIN ones (all of them, or those after a dictionary that overflowed), or all
  // in kValueEncoding.
  const PageRun* value_pages = plan_ == Plan::Encoded ? &encoded_ : &plain_;
  if (plan_ == Plan::Trial) {
    // A trial holds the candidates still in it, complete, and writes the smallest; ties keep the
    // simpler.
    if (!trial_plain_ || (trial_encoded_ && encoded_.bytes < plain_.bytes)) value_pages = &encoded_;
    if (use_dictionary && page.size() + indexed_.bytes >= value_pages->bytes) use_dictionary = false;
    if (use_dictionary) value_pages = nullptr;
  }
  const Encoding value_encoding = value_pages == &encoded_ ? kValueEncoding : Encoding::PLAIN;
  ColumnChunkMeta meta =
      write_pages(out, use_dictionary ? &page : nullptr, dictionary_uncompressed, value_pages, value_encoding);
  if constexpr (std::is_same_v<T, double>) {
    meta.stats = double_bounds(nulls_, nans_, any_, lo_, hi_);
  } else {
    meta.stats = int64_bounds(nulls_, any_, lo_, hi_);
  }

  // The next row group's plan: a trial's winner, until the next trial; a dictionary that
  // overflowed calls for a trial.
  const bool overflowed = plan_ == Plan::Dictionary && !dictionary_alive_;
  if (plan_ == Plan::Trial)
    plan_ = use_dictionary ? Plan::Dictionary : value_pages == &encoded_ ? Plan::Encoded : Plan::Plain;
  if (overflowed || ++row_groups_since_trial_ >= kRetrialEvery) {
    plan_ = Plan::Trial;
    row_groups_since_trial_ = 0;
  }

  reset_pages();
  trial_plain_ = trial_encoded_ = true;
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
void FixedWidthChunkWriter<T>::append_encoded(const ColumnBuffer& values, const uint8_t* defined, size_t begin,
                                              size_t end, size_t present, Encoding encoding, PageScratch& s,
                                              std::string& body) const {
  if (encoding != kValueEncoding) {
    ColumnChunkWriter::append_encoded(values, defined, begin, end, present, encoding, s, body);
    return;
  }
  const T* v = data_of(values);
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(v + begin);
  if (defined != nullptr) {
    // The encoders take the non-null values contiguous.
    s.present.resize(present);
    size_t k = 0;
    for (size_t i = begin; i < end; ++i)
      if (defined[i]) std::memcpy(&s.present[k++], v + i, 8);
    bytes = reinterpret_cast<const uint8_t*>(s.present.data());
  }
  if constexpr (std::is_same_v<T, double>) {
    append_byte_stream_split(bytes, present, 8, body);
  } else {
    append_delta_binary_packed(reinterpret_cast<const int64_t*>(bytes), present, body);
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
