// SHA-256 over a stream of bytes (OpenSSL EVP), as recorded in manifests and sent as
// x-amz-content-sha256.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "util/byte_sink.h"

namespace aesync {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  void update(const void* data, size_t size);
  //! Lower-case hex digest; the object must not be updated afterwards.
  std::string hex_digest();
  static std::string hex(std::string_view data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

//! Forwards bytes to another sink while hashing them.
class HashingSink final : public ByteSink {
 public:
  explicit HashingSink(ByteSink& next) : next_(next) {}
  void write(const void* data, size_t size) override {
    hash_.update(data, size);
    next_.write(data, size);
    bytes_ += size;
  }
  uint64_t bytes_written() const override { return bytes_; }
  std::string hex_digest() { return hash_.hex_digest(); }

 private:
  ByteSink& next_;
  Sha256 hash_;
  uint64_t bytes_ = 0;
};

}  // namespace aesync
