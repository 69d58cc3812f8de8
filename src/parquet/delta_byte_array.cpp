#include "parquet/delta_byte_array.h"

#include <algorithm>

#include "parquet/delta_binary_packed.h"

namespace aesync::parquet {

namespace {

bool uleb(std::string_view data, size_t& pos, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= data.size()) return false;
    const auto b = static_cast<uint8_t>(data[pos++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// `n` lengths (INT32 in the stream) at the start of `data`, and where the stream ends.
std::string lengths(std::string_view data, size_t n, std::vector<int64_t>& out, size_t& end) {
  std::vector<uint64_t> raw;
  std::string error = DeltaBinaryPackedDecoder(data).decode(n, raw);
  if (!error.empty()) return "lengths: " + error;
  end = delta_binary_packed_size(data, error);
  if (!error.empty()) return "lengths: " + error;
  out.resize(n);
  for (size_t k = 0; k < n; ++k) {
    out[k] = static_cast<int32_t>(raw[k]);
    if (out[k] < 0) return "length " + std::to_string(out[k]) + " of value " + std::to_string(k) + " is negative";
  }
  return {};
}

}  // namespace

size_t delta_binary_packed_size(std::string_view data, std::string& error) {
  size_t pos = 0;
  uint64_t block_size, miniblocks, total, first;
  if (!uleb(data, pos, block_size) || !uleb(data, pos, miniblocks) || !uleb(data, pos, total) ||
      !uleb(data, pos, first)) {
    error = "truncated header";
    return 0;
  }
  if (block_size == 0 || miniblocks == 0 || block_size % miniblocks != 0 || block_size > (uint64_t{1} << 31)) {
    error = "invalid block size " + std::to_string(block_size) + " / miniblocks " + std::to_string(miniblocks);
    return 0;
  }
  const uint64_t per_mini = block_size / miniblocks;
  // Every miniblock that holds a value is stored whole (the last one padded); the bit widths of a
  // block are all there, its unneeded miniblocks are not.
  for (uint64_t left = total > 0 ? total - 1 : 0; left > 0;) {
    uint64_t min_delta;
    if (!uleb(data, pos, min_delta) || miniblocks > data.size() - pos) {
      error = "truncated block header";
      return 0;
    }
    const size_t widths = pos;
    pos += miniblocks;
    for (uint64_t m = 0; m < miniblocks && left > 0; ++m) {
      const uint64_t bytes = per_mini * static_cast<uint8_t>(data[widths + m]) / 8;
      if (bytes > data.size() - pos) {
        error = "truncated miniblock";
        return 0;
      }
      pos += bytes;
      left -= std::min(left, per_mini);
    }
  }
  return pos;
}

std::string decode_delta_length_byte_array(std::string_view data, size_t n, uint64_t max_bytes, std::string& bytes,
                                           std::vector<uint32_t>& ends) {
  std::vector<int64_t> lens;
  size_t pos = 0;
  if (std::string error = lengths(data, n, lens, pos); !error.empty()) return error;
  bytes.clear();
  ends.resize(n);
  for (size_t k = 0; k < n; ++k) {
    const auto len = static_cast<uint64_t>(lens[k]);
    if (len > data.size() - pos)
      return "value " + std::to_string(k) + " of " + std::to_string(len) + " bytes passes the page's remaining " +
             std::to_string(data.size() - pos);
    if (len > max_bytes - bytes.size()) return "values pass the " + std::to_string(max_bytes) + " bytes left";
    bytes.append(data.substr(pos, len));
    pos += len;
    ends[k] = static_cast<uint32_t>(bytes.size());
  }
  return {};
}

std::string decode_delta_byte_array(std::string_view data, size_t n, uint64_t max_bytes, std::string& bytes,
                                    std::vector<uint32_t>& ends) {
  std::vector<int64_t> prefixes;
  size_t pos = 0;
  if (std::string error = lengths(data, n, prefixes, pos); !error.empty()) return "prefix " + error;
  std::string suffixes;
  std::vector<uint32_t> suffix_ends;
  if (std::string error = decode_delta_length_byte_array(data.substr(pos), n, max_bytes, suffixes, suffix_ends);
      !error.empty())
    return "suffix " + error;
  bytes.clear();
  ends.resize(n);
  size_t previous = 0, previous_len = 0;  // where value k-1 starts in `bytes`, and its length
  for (size_t k = 0; k < n; ++k) {
    const auto prefix = static_cast<uint64_t>(prefixes[k]);
    if (prefix > previous_len)
      return "prefix of " + std::to_string(prefix) + " bytes of value " + std::to_string(k) +
             " is longer than the value before it (" + std::to_string(previous_len) + " bytes)";
    const size_t suffix_begin = k ? suffix_ends[k - 1] : 0;
    const size_t suffix_len = suffix_ends[k] - suffix_begin;
    if (prefix + suffix_len > max_bytes - bytes.size())
      return "values pass the " + std::to_string(max_bytes) + " bytes left";
    const size_t start = bytes.size();
    bytes.append(bytes, previous, prefix);
    bytes.append(suffixes, suffix_begin, suffix_len);
    ends[k] = static_cast<uint32_t>(bytes.size());
    previous = start;
    previous_len = bytes.size() - start;
  }
  return {};
}

}  // namespace aesync::parquet
