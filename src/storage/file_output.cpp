#include "storage/file_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/error.h"

namespace aesync {

namespace {

constexpr size_t kBufferBytes = 1 << 20;
std::atomic<unsigned> g_tmp_counter{0};

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
  throw StorageError(what + " " + path + ": " + std::strerror(err));
}

void write_all(int fd, const char* p, size_t n, const std::string& name) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", name, errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

bool AtomicFile::is_temporary_name(std::string_view name) {
  return name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string_view::npos;
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  std::filesystem::path p(path_);
  std::error_code ec;
  if (p.has_parent_path()) {
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) throw StorageError("cannot create folder " + p.parent_path().string() + ": " + ec.message());
  }
  tmp_path_ = (p.parent_path() / ("." + p.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                                  std::to_string(g_tmp_counter++)))
                  .string();
  fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot create", tmp_path_, errno);
  buffer_.reserve(kBufferBytes);
}

AtomicFile::~AtomicFile() {
  if (!done_) abort();
}

void AtomicFile::write(const void* data, size_t size) {
  if (done_) throw StorageError("write after commit/abort to " + path_);
  bytes_ += size;
  if (buffer_.size() + size > kBufferBytes) {
    flush();
    if (size >= kBufferBytes) {
      write_all(fd_, static_cast<const char*>(data), size, tmp_path_);
      return;
    }
  }
  buffer_.append(static_cast<const char*>(data), size);
}

void AtomicFile::flush() {
  write_all(fd_, buffer_.data(), buffer_.size(), tmp_path_);
  buffer_.clear();
}

void AtomicFile::commit() { commit_as(false); }

bool AtomicFile::commit_if_absent() { return commit_as(true); }

bool AtomicFile::commit_as(bool only_if_absent) {
  if (done_) throw StorageError("commit twice of " + path_);
  flush();
  if (::fsync(fd_) != 0) fail("cannot fsync", tmp_path_, errno);
  if (::close(fd_) != 0) {
    fd_ = -1;
    fail("cannot close", tmp_path_, errno);
  }
  fd_ = -1;
  if (only_if_absent) {
    // link(2) fails with EEXIST when the name is taken: create-only, atomically.
    if (::link(tmp_path_.c_str(), path_.c_str()) != 0) {
      const int err = errno;
      abort();
      if (err == EEXIST) return false;
      fail("cannot link into place", path_, err);
    }
    ::unlink(tmp_path_.c_str());
  } else if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    fail("cannot rename into place", path_, errno);
  }
  done_ = true;
  // Make the rename itself durable.
  std::filesystem::path dir = std::filesystem::path(path_).parent_path();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

void AtomicFile::abort() {
  if (done_) return;
  done_ = true;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_path_.c_str());
}

FdSink::~FdSink() {
  try {
    flush();
  } catch (...) {
  }
}

void FdSink::write(const void* data, size_t size) {
  bytes_ += size;
  if (buffer_.size() + size > kBufferBytes) flush();
  if (size >= kBufferBytes) {
    write_all(fd_, static_cast<const char*>(data), size, name_);
    return;
  }
  buffer_.append(static_cast<const char*>(data), size);
}

void FdSink::flush() {
  write_all(fd_, buffer_.data(), buffer_.size(), name_);
  buffer_.clear();
}

}  // namespace aesync
