// Decoder for Parquet's RLE/bit-packed hybrid encoding (Encodings.md), as used for definition
// levels, dictionary indices and RLE booleans. Reader side only; the writer has its own encoder.
//
// The input is untrusted: decode() never reads outside `data` and reports a run that ends
// early (or a malformed run header) by returning false; the caller turns that into a
// FormatError naming the page and column. A final bit-packed run may be shorter than its
// header claims (some writers drop trailing padding bytes): values are served while bytes last.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aesync::parquet {

class RleHybridDecoder {
 public:
  //! `bit_width` must be 0..32 (0 = every value is 0).
  RleHybridDecoder(std::string_view data, int bit_width);

  //! Decodes the next `n` values into `out`; false if the data ends first or is malformed.
  bool decode(uint32_t* out, size_t n);
  //! Bytes consumed so far (run headers and the bodies of runs started).
  size_t position() const { return pos_; }

 private:
  bool next_run();

  std::string_view data_;
  int bit_width_;
  size_t pos_ = 0;
  // Current run: either `rle_value_` repeated, or bit-packed values starting at `packed_start_`.
  bool rle_ = false;
  uint32_t rle_value_ = 0;
  size_t packed_start_ = 0;
  size_t packed_index_ = 0;  // next value of the bit-packed run
  size_t run_left_ = 0;      // values left in the current run
};

}  // namespace aesync::parquet
