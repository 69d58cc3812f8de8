#include "util/cancel.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <string>

namespace aesync::cancel {

namespace {

// request() runs in signal handlers, where a mutex or a condition variable cannot be touched.
// So the flag is a lock-free atomic, and sleepers wait in poll() on the read end of a pipe that
// request() writes one byte to (write() is async-signal-safe). The byte stays unread until
// reset(), so every sleeper, present or future, sees the pipe readable.
std::atomic<bool> g_cancelled{false};
std::atomic<int> g_wake_write{-1};
std::atomic<bool> g_second_kills{false};
std::atomic<bool> g_hangup{false};
int g_wake_read = -1;

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "cancel::request() must be async-signal-safe");

// Created on first use by a sleeper (never from a signal handler). If the pipe cannot be made,
// sleepers fall back to polling the flag.
bool ensure_pipe() {
  static const bool ok = [] {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    g_wake_read = fds[0];
    g_wake_write.store(fds[1]);
    return true;
  }();
  return ok;
}

void drain_pipe() {
  char buf[64];
  while (::read(g_wake_read, buf, sizeof buf) > 0) {
  }
}

extern "C" void on_stop_signal(int sig) {
  if (g_second_kills.load() && g_cancelled.load()) {
    // The second one: the default action, now (signal() and raise() are async-signal-safe).
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  request();
}

extern "C" void on_hangup_signal(int) { g_hangup.store(true); }

}  // namespace

void throw_if_requested(std::string_view where) {
  if (requested()) throw Cancelled(std::string(where) + ": cancelled");
}

void install_stop_signals(bool second_kills) {
  g_second_kills.store(second_kills);
  ensure_pipe();  // before any signal: the handler only writes to it
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

void install_hangup_signal() {
  struct sigaction sa {};
  sa.sa_handler = on_hangup_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &sa, nullptr);
}

bool take_hangup() { return g_hangup.exchange(false); }

void request() {
  // Only the first request writes, so the pipe never fills whatever the number of signals.
  if (g_cancelled.exchange(true)) return;
  int fd = g_wake_write.load();
  if (fd >= 0) {
    const int saved_errno = errno;  // a signal handler must leave errno as it found it
    char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(fd, &byte, 1);
    errno = saved_errno;
  }
}

bool requested() { return g_cancelled.load(); }

bool sleep_for(std::chrono::milliseconds d) {
  using Clock = std::chrono::steady_clock;
  // The pipe must exist before the flag is read: a request() that misses the pipe has set the
  // flag before this load, so it is seen here.
  const bool have_pipe = ensure_pipe();
  // Beyond any real wait, and keeps now() + d from overflowing.
  d = std::min(d, std::chrono::milliseconds(std::chrono::hours(24 * 365 * 10)));
  const auto deadline = Clock::now() + d;
  for (;;) {
    if (requested()) return false;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return true;
    if (!have_pipe && left > std::chrono::milliseconds(50)) left = std::chrono::milliseconds(50);
    const int timeout = left.count() > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(left.count());
    if (have_pipe) {
      pollfd p{g_wake_read, POLLIN, 0};
      ::poll(&p, 1, timeout);  // EINTR or a wake-up: the loop re-checks the flag and the clock
    } else {
      ::poll(nullptr, 0, timeout);
    }
  }
}

void reset() {
  if (ensure_pipe()) drain_pipe();
  g_cancelled.store(false);
}

}  // namespace aesync::cancel
