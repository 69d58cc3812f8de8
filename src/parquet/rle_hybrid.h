// RLE / bit-packed hybrid encoder (Parquet Encodings.md, "RLE"): definition levels and
// dictionary indices.
//
// Output is a sequence of runs. An RLE run is the varint header `count << 1` followed by the
// repeated value in ceil(bit_width / 8) little-endian bytes. A bit-packed run is the varint
// header `(groups << 1) | 1` followed by groups of 8 values, each value `bit_width` bits,
// packed LSB first; only the last group of the whole sequence may be padded with zeros.
// The encoder works on a whole array at once: a stretch of >= 8 equal values becomes an RLE
// run (after lending the preceding literals the values they need to fill their last group of
// 8), everything else is bit-packed; a sequence that is entirely one run is a single RLE run
// whatever its length. Bit packing goes through a 64-bit accumulator (word stores, no per-bit
// loop). Values must be < 2^bit_width (higher bits are dropped); bit_width is 0..32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace aesync::parquet {

//! Bits needed to represent `max_value` (0 for 0).
int bit_width_for(uint64_t max_value);

//! Appends the hybrid encoding of `values[0..n)` to `out` (no length prefix).
void rle_hybrid_encode(const uint32_t* values, size_t n, int bit_width, std::string& out);
void rle_hybrid_encode(const uint8_t* values, size_t n, int bit_width, std::string& out);

//! Definition levels of a data page v1 for a flat OPTIONAL column: `defined[i]` is 0 or 1;
//! appends a 4-byte little-endian length, then the hybrid encoding with bit width 1.
void encode_definition_levels(const uint8_t* defined, size_t n, std::string& out);

//! The values section of a dictionary-encoded data page: one byte holding the bit width
//! (at least 1, even for a one-entry dictionary, as some readers reject 0), then the hybrid
//! encoding of `indices`. `dictionary_size` is the number of dictionary entries.
void encode_dictionary_indices(const uint32_t* indices, size_t n, size_t dictionary_size, std::string& out);

//! The bit width encode_dictionary_indices() uses for a dictionary of `dictionary_size` entries.
int dictionary_index_bit_width(size_t dictionary_size);

}  // namespace aesync::parquet
