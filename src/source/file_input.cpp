#include "source/file_input.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "util/cancel.h"
#include "util/error.h"

namespace aesync {

namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;
constexpr size_t kChunks = 3;  // one being parsed, the others being read ahead

// Reads `fd` on its own thread into a ring of chunks, so the parsing thread spends no time in
// read(2): copying from the page cache or waiting on a pipe happens alongside parsing.
class ReadAhead {
 public:
  ReadAhead(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
    for (auto& c : chunks_) c.data.resize(kChunkBytes);
    thread_ = std::thread([this] { run(); });
  }
  ~ReadAhead() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  //! The next chunk's bytes (empty at the end of input), valid until the next call.
  std::string_view next() {
    std::unique_lock lock(mutex_);
    if (consumed_any_) {
      // The previous chunk is parsed: its slot may be read into again.
      chunks_[head_].ready = false;
      head_ = (head_ + 1) % kChunks;
      cv_.notify_all();
    }
    consumed_any_ = true;
    // A pipe that stalls (stdin, a FIFO) must not hold an interrupted run: the wait looks at the
    // cancellation (util/cancel.h) every 100 ms.
    while (!cv_.wait_for(lock, std::chrono::milliseconds(100),
                         [this] { return chunks_[head_].ready || error_ || done_at_ == head_; }))
      cancel::throw_if_requested("reading input " + name_);
    if (chunks_[head_].ready) return std::string_view(chunks_[head_].data.data(), chunks_[head_].size);
    if (error_) std::rethrow_exception(error_);
    return {};
  }

 private:
  struct Chunk {
    std::vector<char> data;
    size_t size = 0;
    bool ready = false;
  };

  void run() {
    size_t slot = 0;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || !chunks_[slot].ready; });
        if (stop_) return;
      }
      if (!wait_readable()) return;  // stopped while the input had nothing to give
      Chunk& c = chunks_[slot];
      ssize_t n;
      do {
        n = ::read(fd_, c.data.data(), c.data.size());
      } while (n < 0 && errno == EINTR);
      std::lock_guard lock(mutex_);
      if (n < 0) {
        error_ = std::make_exception_ptr(InputError("cannot read input " + name_ + ": " + std::strerror(errno)));
      } else if (n == 0) {
        done_at_ = slot;
      } else {
        c.size = static_cast<size_t>(n);
        c.ready = true;
      }
      cv_.notify_all();
      if (n <= 0) return;
      slot = (slot + 1) % kChunks;
    }
  }

  // Waits until read() would not block (data, end of input or an error), looking at stop_ every
  // 100 ms so that the destructor never waits on a pipe that stalls. False when stopped.
  bool wait_readable() {
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, 100);
      {
        std::lock_guard lock(mutex_);
        if (stop_) return false;
      }
      if (r > 0 || (r < 0 && errno != EINTR)) return true;  // read() then tells what it is
    }
  }

  const int fd_;
  const std::string name_;
  std::array<Chunk, kChunks> chunks_;
  std::mutex mutex_;
  std::condition_variable cv_;
  size_t head_ = 0;  // the chunk the parser has or waits for
  bool consumed_any_ = false;
  size_t done_at_ = kChunks;  // the slot where end of input was met; kChunks = not yet
  std::exception_ptr error_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

void read_jsoneachrow_file(const std::string& path, JsonEachRowReader& reader,
                           const std::function<void(uint64_t)>& on_read) {
  const bool is_stdin = path == "-";
  const int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot open input " + path + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    bool owned;
    ~Closer() {
      if (owned) ::close(fd);
    }
  } closer{fd, !is_stdin};
  {
    ReadAhead input(fd, is_stdin ? std::string("<stdin>") : path);
    uint64_t fed = 0;
    for (std::string_view chunk; !(chunk = input.next()).empty();) {
      reader.feed(chunk.data(), chunk.size());
      fed += chunk.size();
      if (on_read) on_read(fed);
    }
  }
  reader.finish();
}

}  // namespace aesync
