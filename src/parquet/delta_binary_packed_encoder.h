// DELTA_BINARY_PACKED encoding (parquet-format Encodings.md, "Delta Encoding
// (DELTA_BINARY_PACKED = 5)"), written for INT64 data pages (Int64 and Timestamp columns). The
// decoder is DeltaBinaryPackedDecoder (delta_binary_packed.h).
//
// Format, as written here:
//   header:  <block size = 128> <miniblocks per block = 4> <value count> <first value>
//            (ULEB128, ULEB128, ULEB128, zigzag ULEB128);
//   blocks:  each of the next 128 deltas (value[i] - value[i-1], wrapping in 64 bits):
//            <min delta> (zigzag ULEB128), 4 bit widths (1 byte each), then 4 miniblocks of 32
//            deltas, each stored as (delta - min delta) bit-packed LSB first at its miniblock's
//            bit width (the smallest that holds its largest; 0 bits: no bytes at all).
// The last block may hold fewer than 128 deltas: its last used miniblock is padded with zero
// deltas to 32 values (its bit width counts only the real ones), and the miniblocks it does not
// need have bit width 0 and no bytes, as the spec asks. One value is the header alone; zero
// values a header with value count 0 and first value 0. NULLs are not stored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace aesync::parquet {

//! Appends the DELTA_BINARY_PACKED encoding of the `count` values at `values` to `out`.
void append_delta_binary_packed(const int64_t* values, size_t count, std::string& out);

}  // namespace aesync::parquet
