// Where encoded bytes go: a file, stdout, a multipart upload. Writers (Parquet, CSV) push bytes
// in order and never seek, so any sink that accepts a stream works. A sink reports failure by
// throwing StorageError naming its target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace aesync {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(const void* data, size_t size) = 0;
  //! Bytes accepted so far.
  virtual uint64_t bytes_written() const = 0;
};

//! A sink that keeps everything in memory (tests, small objects).
class StringSink final : public ByteSink {
 public:
  void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
  uint64_t bytes_written() const override { return out.size(); }
  std::string out;
};

}  // namespace aesync
