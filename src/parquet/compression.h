// Page compression codecs: UNCOMPRESSED, SNAPPY (raw snappy block), GZIP (RFC 1952 gzip
// members, as the Parquet spec requires) and ZSTD (zstd frames). The writer compresses each
// page body with a Compressor (contexts reused across pages); the reader decompresses with
// decompress(), which treats its input as untrusted.
//
// Contract: decompress(codec, compress(codec, x)) == x for every supported codec, the empty
// input included. Compressed input that is corrupt, truncated, or does not expand to exactly
// `uncompressed_size` bytes is a FormatError naming the codec; a codec aesync does not
// implement (LZO, BROTLI, LZ4, LZ4_RAW) is a FormatError on decompression and a
// std::invalid_argument on compression (the writer's codec comes from codec_from_name()).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "parquet/format.h"

namespace aesync::parquet {

//! The spec's name of a codec ("ZSTD", "SNAPPY", ...), "codec <n>" for unknown values.
std::string codec_name(Codec codec);

//! Compresses `in` into `out`, replacing its content (its capacity is reused). `level` is the
//! zstd level (1..22) or gzip level (1..9, clamped); ignored by the other codecs.
void compress(Codec codec, int level, std::string_view in, std::string& out);

//! Decompresses `in`, which must expand to exactly `uncompressed_size` bytes.
std::string decompress(Codec codec, std::string_view in, size_t uncompressed_size);
//! Same, into `out` (content replaced, capacity reused).
void decompress_into(Codec codec, std::string_view in, size_t uncompressed_size, std::string& out);

//! A compressor bound to one codec and level that keeps its zstd/zlib context between calls,
//! so compressing many pages allocates nothing after the first.
class Compressor {
 public:
  Compressor(Codec codec, int level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  Codec codec() const { return codec_; }
  //! Compresses `in` into `out` (content replaced). UNCOMPRESSED copies.
  void compress(std::string_view in, std::string& out);
  //! Same, with zstd at level max(level, `zstd_min_level`) (same context); other codecs as compress().
  void compress(std::string_view in, std::string& out, int zstd_min_level);

 private:
  struct State;
  Codec codec_;
  int level_;
  std::unique_ptr<State> state_;
};

}  // namespace aesync::parquet
