#include "parquet/compression.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <stdexcept>

#include "util/error.h"

namespace aesync::parquet {

namespace {

[[noreturn]] void corrupt(Codec codec, const std::string& what) {
  throw FormatError(codec_name(codec) + " page data cannot be decompressed: " + what);
}

bool supported(Codec codec) {
  return codec == Codec::UNCOMPRESSED || codec == Codec::SNAPPY || codec == Codec::GZIP || codec == Codec::ZSTD;
}

int gzip_level(int level) { return std::clamp(level, 1, 9); }

void check_zlib_size(size_t n) {
  if (n > UINT_MAX) throw std::length_error("GZIP: a page larger than 4 GiB cannot be compressed");
}

}  // namespace

std::string codec_name(Codec codec) {
  switch (codec) {
    case Codec::UNCOMPRESSED: return "UNCOMPRESSED";
    case Codec::SNAPPY: return "SNAPPY";
    case Codec::GZIP: return "GZIP";
    case Codec::LZO: return "LZO";
    case Codec::BROTLI: return "BROTLI";
    case Codec::LZ4: return "LZ4";
    case Codec::ZSTD: return "ZSTD";
    case Codec::LZ4_RAW: return "LZ4_RAW";
  }
  return "codec " + std::to_string(static_cast<int32_t>(codec));
}

struct Compressor::State {
  ZSTD_CCtx* zstd = nullptr;
  z_stream zs{};
  bool zs_ready = false;

  ~State() {
    if (zstd != nullptr) ZSTD_freeCCtx(zstd);
    if (zs_ready) deflateEnd(&zs);
  }
};

Compressor::Compressor(Codec codec, int level) : codec_(codec), level_(level), state_(std::make_unique<State>()) {
  if (!supported(codec)) throw std::invalid_argument("unsupported compression codec " + codec_name(codec));
  if (codec == Codec::ZSTD) {
    state_->zstd = ZSTD_createCCtx();
    if (state_->zstd == nullptr) throw std::bad_alloc();
  } else if (codec == Codec::GZIP) {
    // windowBits 15 + 16: a gzip wrapper (RFC 1952) rather than zlib's (RFC 1950).
    if (deflateInit2(&state_->zs, gzip_level(level), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::runtime_error("GZIP: deflateInit2 failed");
    state_->zs_ready = true;
  }
}

Compressor::~Compressor() = default;

void Compressor::compress(std::string_view in, std::string& out) { compress(in, out, level_); }

void Compressor::compress(std::string_view in, std::string& out, int zstd_min_level) {
  switch (codec_) {
    case Codec::UNCOMPRESSED: out.assign(in); return;
    case Codec::SNAPPY: {
      out.resize(snappy::MaxCompressedLength(in.size()));
      size_t n = 0;
      snappy::RawCompress(in.data(), in.size(), out.data(), &n);
      out.resize(n);
      return;
    }
    case Codec::ZSTD: {
      out.resize(ZSTD_compressBound(in.size()));
      const size_t n = ZSTD_compressCCtx(state_->zstd, out.data(), out.size(), in.data(), in.size(),
                                         std::max(level_, zstd_min_level));
      if (ZSTD_isError(n)) throw std::runtime_error(std::string("ZSTD compression failed: ") + ZSTD_getErrorName(n));
      out.resize(n);
      return;
    }
    case Codec::GZIP: {
      check_zlib_size(in.size());
      z_stream& zs = state_->zs;
      if (deflateReset(&zs) != Z_OK) throw std::runtime_error("GZIP: deflateReset failed");
      out.resize(deflateBound(&zs, static_cast<uLong>(in.size())));
      check_zlib_size(out.size());
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      zs.avail_in = static_cast<uInt>(in.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = static_cast<uInt>(out.size());
      if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("GZIP: deflate did not finish");
      out.resize(zs.total_out);
      return;
    }
    default: break;
  }
  throw std::invalid_argument("unsupported compression codec " + codec_name(codec_));
}

void compress(Codec codec, int level, std::string_view in, std::string& out) {
  Compressor c(codec, level);
  c.compress(in, out);
}

void decompress_into(Codec codec, std::string_view in, size_t uncompressed_size, std::string& out) {
  switch (codec) {
    case Codec::UNCOMPRESSED:
      if (in.size() != uncompressed_size)
        corrupt(codec,
                std::to_string(in.size()) + " bytes where the page header says " + std::to_string(uncompressed_size));
      out.assign(in);
      return;
    case Codec::SNAPPY: {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) corrupt(codec, "invalid length header");
      if (n != uncompressed_size)
        corrupt(codec,
                "expands to " + std::to_string(n) + " bytes, page header says " + std::to_string(uncompressed_size));
      out.resize(n);
      if (!snappy::RawUncompress(in.data(), in.size(), out.data())) corrupt(codec, "corrupt block");
      return;
    }
    case Codec::ZSTD: {
      out.resize(uncompressed_size);
      const size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
      if (ZSTD_isError(n)) corrupt(codec, ZSTD_getErrorName(n));
      if (n != uncompressed_size)
        corrupt(codec,
                "expands to " + std::to_string(n) + " bytes, page header says " + std::to_string(uncompressed_size));
      return;
    }
    case Codec::GZIP: {
      if (in.size() > UINT_MAX || uncompressed_size > UINT_MAX) corrupt(codec, "page larger than 4 GiB");
      out.resize(uncompressed_size);
      z_stream zs{};
      // windowBits 15 + 32: accept gzip members and, from old writers, zlib streams.
      if (inflateInit2(&zs, 15 + 32) != Z_OK) throw std::runtime_error("GZIP: inflateInit2 failed");
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      zs.avail_in = static_cast<uInt>(in.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = static_cast<uInt>(out.size());
      std::string error;
      for (;;) {
        const int rc = inflate(&zs, Z_FINISH);
        if (rc == Z_STREAM_END) {
          // Several concatenated gzip members form one stream (RFC 1952 §2.2).
          if (zs.avail_in == 0) break;
          if (inflateReset(&zs) != Z_OK) {
            error = "inflateReset failed";
            break;
          }
          continue;
        }
        if (rc == Z_BUF_ERROR && zs.avail_out == 0 && zs.avail_in > 0) {
          error = "expands to more than the " + std::to_string(uncompressed_size) + " bytes the page header says";
        } else if (rc == Z_BUF_ERROR) {
          error = "truncated stream";
        } else {
          error = zs.msg != nullptr ? zs.msg : "inflate error " + std::to_string(rc);
        }
        break;
      }
      // Not total_out: inflateReset() clears it between members.
      const size_t produced = out.size() - zs.avail_out;
      inflateEnd(&zs);
      if (!error.empty()) corrupt(codec, error);
      if (produced != uncompressed_size)
        corrupt(codec, "expands to " + std::to_string(produced) + " bytes, page header says " +
                           std::to_string(uncompressed_size));
      return;
    }
    default: break;
  }
  throw FormatError("unsupported compression codec " + codec_name(codec));
}

std::string decompress(Codec codec, std::string_view in, size_t uncompressed_size) {
  std::string out;
  decompress_into(codec, in, uncompressed_size, out);
  return out;
}

}  // namespace aesync::parquet
