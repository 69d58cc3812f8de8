#include "source/file_input.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "util/error.h"

namespace aesync {

void read_jsoneachrow_file(const std::string& path, JsonEachRowReader& reader) {
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
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError("cannot read input " + (is_stdin ? std::string("<stdin>") : path) + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    reader.feed(buf.data(), static_cast<size_t>(n));
  }
  reader.finish();
}

}  // namespace aesync
