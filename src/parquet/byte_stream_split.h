// BYTE_STREAM_SPLIT encoding (parquet-format Encodings.md, "Byte Stream Split:
// (BYTE_STREAM_SPLIT = 9)"), written for DOUBLE data pages and read for FLOAT, DOUBLE, INT32 and
// INT64 ones.
//
// Format: N values of K bytes each (K = 8 for DOUBLE/INT64, 4 for FLOAT/INT32) are stored as K
// streams of N bytes, one after the other: stream k holds byte k (little-endian order) of every
// value, in value order, so the page is exactly K * N bytes. Nothing else (no header, no length:
// N is the page's value count); NULLs are not stored. The bytes are unchanged, only reordered:
// NaN payloads and -0.0 come back bit for bit. Why: the sign/exponent streams of real-world
// doubles (and the low bytes of integers-as-doubles) are nearly constant, which a general
// compressor squeezes far better than the interleaved PLAIN layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace aesync::parquet {

//! Appends the BYTE_STREAM_SPLIT encoding of the `count` values of `width` bytes at `values`
//! (contiguous, little-endian) to `out`: `width` streams of `count` bytes.
void append_byte_stream_split(const uint8_t* values, size_t count, size_t width, std::string& out);

//! Reads value `i` of a BYTE_STREAM_SPLIT body whose streams are `stride` bytes long (the body's
//! size / `width`) into `value` (`width` bytes). The caller checks i < stride.
inline void load_byte_stream_split(const char* body, size_t stride, size_t width, size_t i, char* value) {
  for (size_t k = 0; k < width; ++k) value[k] = body[k * stride + i];
}

}  // namespace aesync::parquet
