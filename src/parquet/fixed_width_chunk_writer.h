// The column chunk writer of 8-byte values: DOUBLE (T = double, Double columns) and INT64
// (T = int64_t, Int64 and Timestamp columns); see column_chunk_writer.h. Both share the PLAIN
// layout (8 little-endian bytes per value) and a dictionary of bit patterns (ValueDictionary:
// -0.0 and 0.0, and NaN payloads, stay distinct).
//
// The encoding follows a plan carried from one row group to the next: a trial encodes the chunk
// every candidate way and writes the one whose pages (dictionary page included) compress
// smallest (of PLAIN and kValueEncoding, one more than 5% larger after a batch leaves the trial
// early, to hold and compress less); the row groups after it use the winner alone (one encoding, compressed once), and
// every kRetrialEvery-th row group, or after a dictionary overflowed, is a trial again in case
// the data changed. The candidates:
//   - a dictionary (PLAIN_DICTIONARY page + RLE/bit-packed indices), while the values look
//     repetitive: given up when nearly all of the chunk's first 4096 values are distinct, or
//     when the dictionary would pass `dictionary_limit_bytes` (percentages win this way);
//   - PLAIN (sorted timestamps with many repeats squeeze best this way under zstd);
//   - kValueEncoding: BYTE_STREAM_SPLIT for doubles (byte_stream_split.h: measurements whose
//     sign/exponent bytes repeat), DELTA_BINARY_PACKED for integers (delta_binary_packed_encoder.h:
//     counters and sequences with small steps).
// Ties go to PLAIN, then to the dictionary's rivals: a chunk only changes encoding when that
// saves bytes. A dictionary that overflows outside a trial goes on PLAIN for the rest of the chunk.
// Statistics: min/max of the non-null values (doubles: NaN excluded and counted, zero bounds
// signed as statistics.h says), exact null_count.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "parquet/column_chunk_writer.h"
#include "parquet/value_dictionary.h"

namespace aesync::parquet {

template <class T>
class FixedWidthChunkWriter final : public ColumnChunkWriter {
  static_assert((std::is_same_v<T, double> || std::is_same_v<T, int64_t>)&&sizeof(T) == 8);

 public:
  FixedWidthChunkWriter(const LeafColumn& column, const WriterOptions& options) : ColumnChunkWriter(column, options) {}

  void encode(const ColumnBuffer& values, size_t begin, size_t end, PageScratch& s) override;
  ColumnChunkMeta write(FileOutput& out, PageScratch& s) override;

  //! The column re-checks its choice of encoding every this many row groups.
  static constexpr int kRetrialEvery = 8;
  //! The value encoding tried besides PLAIN and a dictionary.
  static constexpr Encoding kValueEncoding =
      std::is_same_v<T, double> ? Encoding::BYTE_STREAM_SPLIT : Encoding::DELTA_BINARY_PACKED;

 private:
  enum class Plan { Trial, Dictionary, Plain, Encoded };

  //! The column's values in `values` (doubles or ints, as T).
  static const T* data_of(const ColumnBuffer& values);
  size_t plain_page_end(const ColumnBuffer& values, size_t begin, size_t end) const override;
  void append_plain(const ColumnBuffer& values, const uint8_t* defined, size_t begin, size_t end, size_t present,
                    std::string& body) const override;
  void append_encoded(const ColumnBuffer& values, const uint8_t* defined, size_t begin, size_t end, size_t present,
                      Encoding encoding, PageScratch& s, std::string& body) const override;
  void add_statistics(const T* v, const uint8_t* defined, size_t begin, size_t end);

  Plan plan_ = Plan::Trial;
  // In a trial: PLAIN / kValueEncoding still encoded (a clear loser is dropped after a batch).
  bool trial_plain_ = true, trial_encoded_ = true;
  int row_groups_since_trial_ = 0;
  ValueDictionary values_;
  int64_t seen_ = 0;  // values offered to the dictionary
  // Statistics: bounds of the non-null (non-NaN) values.
  int64_t nans_ = 0;
  bool any_ = false;
  T lo_ = 0, hi_ = 0;
};

extern template class FixedWidthChunkWriter<double>;
extern template class FixedWidthChunkWriter<int64_t>;

}  // namespace aesync::parquet
