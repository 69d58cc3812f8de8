// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY decoding (parquet-format Encodings.md), for the
// BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY data pages v2 writers emit (DuckDB's PARQUET_VERSION V2
// strings, parquet-mr's and Spark's v2 strings and decimals).
//
// DELTA_LENGTH_BYTE_ARRAY: the values' lengths, DELTA_BINARY_PACKED, then their bytes one after
// the other. DELTA_BYTE_ARRAY: the lengths of the prefixes each value shares with the one before
// (DELTA_BINARY_PACKED), then the suffixes as DELTA_LENGTH_BYTE_ARRAY; value k is the first
// prefix[k] bytes of value k-1 followed by suffix k.
//
// Input is untrusted: lengths must be 0 or more and fit the page (a prefix fits the value
// before it), and since prefixes let a few bytes repeat a long value, the decoded bytes may not
// pass `max_bytes` (the caller's budget). Errors are returned as a message, empty on success.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aesync::parquet {

//! Bytes a DELTA_BINARY_PACKED stream at the start of `data` takes; sets `error` when it is
//! malformed or truncated.
size_t delta_binary_packed_size(std::string_view data, std::string& error);

//! Decodes `n` values into `bytes` (concatenated) and `ends` (each value's end in `bytes`).
std::string decode_delta_length_byte_array(std::string_view data, size_t n, uint64_t max_bytes, std::string& bytes,
                                           std::vector<uint32_t>& ends);
std::string decode_delta_byte_array(std::string_view data, size_t n, uint64_t max_bytes, std::string& bytes,
                                    std::vector<uint32_t>& ends);

}  // namespace aesync::parquet
