// Local files written atomically: bytes go to a temporary file beside the target
// (".<name>.tmp-<pid>-<n>"), and commit() flushes, fsyncs and renames it into place, then
// fsyncs the folder. Until commit the target is untouched; abort() or the destructor removes
// the temporary file, so a failed write leaves nothing behind.
#pragma once

#include <memory>
#include <string>

#include "storage/object_store.h"
#include "util/byte_sink.h"

namespace aesync {

class AtomicFile final : public ObjectUpload {
 public:
  //! Creates missing parent folders and opens the temporary file. Throws StorageError.
  explicit AtomicFile(std::string path);
  ~AtomicFile() override;
  void write(const void* data, size_t size) override;
  uint64_t bytes_written() const override { return bytes_; }
  void commit() override;
  //! Commits only if nothing exists at the path yet (link instead of rename); false, and the
  //! temporary file removed, when something does.
  bool commit_if_absent();
  void abort() override;
  const std::string& path() const { return path_; }

  //! True for names AtomicFile uses for its temporary files (listings skip them).
  static bool is_temporary_name(std::string_view file_name);

 private:
  void flush();
  bool commit_as(bool only_if_absent);
  std::string path_, tmp_path_;
  int fd_ = -1;
  std::string buffer_;
  uint64_t bytes_ = 0;
  bool done_ = false;
};

//! A sink writing to an already open file descriptor (stdout), buffered.
class FdSink final : public ByteSink {
 public:
  explicit FdSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  ~FdSink() override;
  void write(const void* data, size_t size) override;
  uint64_t bytes_written() const override { return bytes_; }
  void flush();

 private:
  int fd_;
  std::string name_, buffer_;
  uint64_t bytes_ = 0;
};

}  // namespace aesync
