#include "sync/progress.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "util/log.h"

namespace aesync {

namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string mib(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

// The line cut to the terminal's width less one column: a line that wraps could no longer be
// erased by "\r" and erase-line, and each redraw would leave a copy behind.
void draw_on_terminal(const std::string& line) {
  winsize ws{};
  if (line.empty() || ::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) {
    log::set_status_line(line);
    return;
  }
  const size_t width = ws.ws_col > 1 ? ws.ws_col - 1u : 1u;
  log::set_status_line(line.size() > width ? line.substr(0, width) : line);
}

}  // namespace

std::string format_eta(double seconds) {
  // A hair below a whole second stays that second: (1 - f) / f is rarely exact in binary.
  int64_t s = seconds <= 0 ? 0 : static_cast<int64_t>(std::ceil(seconds - 1e-6));
  char buf[48];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>((s % 3600) / 60));
  }
  return buf;
}

std::string format_bytes(int64_t bytes) {
  char buf[48];
  const double b = static_cast<double>(bytes < 0 ? 0 : bytes);
  if (b < 1024) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes < 0 ? 0 : bytes));
  } else if (b < 1024.0 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024);
  } else if (b < 1024.0 * 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1024.0 * 1024));
  } else {
    std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  }
  return buf;
}

std::string window_label(int64_t start, int64_t end) {
  constexpr int64_t kDay = 86400;
  const int64_t day_start = start - ((start % kDay) + kDay) % kDay;
  auto hhmm = [&](int64_t t) {
    const int64_t s = t - day_start;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>((s % 3600) / 60));
    return std::string(buf);
  };
  return hhmm(start) + "-" + hhmm(end);
}

double progress_fraction(const ProgressSnapshot& s) {
  if (s.input_size > 0)
    return std::clamp(static_cast<double>(s.input_read) / static_cast<double>(s.input_size), 0.0, 1.0);
  if (s.days_total > 0 && s.days_done >= s.days_total) return 1;
  if (s.days_total > 0 && s.days_expected > 0) {
    const double per_day = static_cast<double>(s.rows_expected) / static_cast<double>(s.days_expected);
    // Days not announced yet count as the announced ones' average.
    const int64_t unannounced = std::max<int64_t>(0, s.days_total - s.days_expected);
    const double expected = static_cast<double>(s.rows_expected) + per_day * static_cast<double>(unannounced);
    if (expected > 0) return std::clamp(static_cast<double>(s.rows) / expected, 0.0, 1.0);
  }
  if (s.days_total > 0) return static_cast<double>(std::clamp(s.days_done, int64_t{0}, s.days_total)) / s.days_total;
  return -1;
}

std::string render_progress_line(const ProgressSnapshot& s) {
  std::string line;
  auto part = [&](const std::string& p) {
    if (!line.empty()) line += " | ";
    line += p;
  };
  const double f = progress_fraction(s);
  if (f >= 0) part(std::to_string(static_cast<int>(std::floor(f * 100))) + "%");
  if (s.days_total > 0 || !s.day.empty()) {
    const int64_t i = s.days_total > 0 ? std::min(std::max(s.days_started, s.days_done), s.days_total)
                                       : std::max(s.days_started, s.days_done);
    std::string d = "day " + std::to_string(i);
    if (s.days_total > 0) d += "/" + std::to_string(s.days_total);
    if (!s.day.empty()) d += " " + s.day;
    part(d);
  }
  if (!s.window.empty()) part("window " + s.window);
  if (s.input_size > 0) part("read " + mib(s.input_read) + "/" + mib(s.input_size) + " MiB");
  part(std::to_string(s.rows) + " rows");
  const int64_t rate = s.elapsed_seconds > 0 ? std::llround(static_cast<double>(s.rows) / s.elapsed_seconds) : 0;
  part(std::to_string(rate) + " rows/s");
  if (s.bytes > 0) part(format_bytes(s.bytes));
  if (f >= 1) {
    part("ETA 0s");
  } else if (f <= 0 || s.elapsed_seconds <= 0) {
    part("ETA --");
  } else {
    part("ETA " + format_eta(s.elapsed_seconds * (1 - f) / f));
  }
  return line;
}

int64_t input_file_size(const std::string& path) {
  struct stat st {};
  if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  return static_cast<int64_t>(st.st_size);
}

bool progress_wanted(bool no_progress) { return !no_progress && ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(bool enabled) : Progress(enabled, draw_on_terminal, steady_seconds) { ticking_ = enabled; }

Progress::Progress(bool enabled, Draw draw, Clock clock)
    : enabled_(enabled), draw_(std::move(draw)), clock_(std::move(clock)) {}

Progress::~Progress() { finish(); }

void Progress::start(int64_t total_days) {
  days_total_.store(total_days);
  for (auto* counter : {&days_started_, &days_done_, &rows_, &rows_expected_, &days_expected_, &bytes_, &input_read_})
    counter->store(0);
  {
    std::lock_guard<std::mutex> lock(labels_mutex_);
    day_.clear();
    window_.clear();
  }
  {
    std::lock_guard<std::mutex> lock(draw_mutex_);
    start_time_.store(clock_());
    finished_ = false;
    last_draw_.store(-1e300);
  }
  if (ticking_ && !ticker_.joinable()) {
    stop_ticking_ = false;
    ticker_ = std::thread([this] { tick(); });
  }
}

void Progress::tick() {
  std::unique_lock<std::mutex> lock(tick_mutex_);
  while (!tick_cv_.wait_for(lock, std::chrono::duration<double>(kRedrawInterval), [this] { return stop_ticking_; })) {
    lock.unlock();
    maybe_draw(false);
    lock.lock();
  }
}

void Progress::set_input_size(int64_t bytes) { input_size_.store(bytes); }

void Progress::input_read(int64_t bytes_so_far) {
  input_read_.store(bytes_so_far, std::memory_order_relaxed);
  if (enabled_) maybe_draw(false);
}

void Progress::day_started(const std::string& day) {
  days_started_.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(labels_mutex_);
    day_ = day;
    window_.clear();
  }
  if (enabled_) maybe_draw(true);
}

void Progress::expect_rows(int64_t rows) {
  rows_expected_.fetch_add(rows);
  days_expected_.fetch_add(1);
}

void Progress::set_window(const std::string& label) {
  {
    std::lock_guard<std::mutex> lock(labels_mutex_);
    window_ = label;
  }
  if (enabled_) maybe_draw(true);  // one per source request at most: cheap, and never stale
}

void Progress::add_rows(int64_t n) {
  rows_.fetch_add(n, std::memory_order_relaxed);
  if (enabled_) maybe_draw(false);
}

void Progress::add_bytes(int64_t n) { bytes_.fetch_add(n, std::memory_order_relaxed); }

void Progress::partition_done() {
  days_done_.fetch_add(1);
  if (enabled_) maybe_draw(true);
}

ProgressSnapshot Progress::snapshot_at(double now) const {
  ProgressSnapshot s;
  s.days_started = days_started_.load();
  s.days_done = days_done_.load();
  s.days_total = days_total_.load();
  s.rows = rows_.load();
  s.rows_expected = rows_expected_.load();
  s.days_expected = days_expected_.load();
  s.bytes = bytes_.load();
  s.input_read = input_read_.load();
  s.input_size = input_size_.load();
  {
    std::lock_guard<std::mutex> lock(labels_mutex_);
    s.day = day_;
    s.window = window_;
  }
  s.elapsed_seconds = now - start_time_;
  return s;
}

ProgressSnapshot Progress::snapshot() const { return snapshot_at(clock_()); }

void Progress::maybe_draw(bool force) {
  double now = clock_();
  if (!force && now - last_draw_.load(std::memory_order_relaxed) < kRedrawInterval) return;
  // Another thread drawing right now makes this redraw redundant: skip rather than wait.
  std::unique_lock<std::mutex> lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  if (!force && now - last_draw_.load() < kRedrawInterval) return;
  last_draw_.store(now);
  draw_(render_progress_line(snapshot_at(now)));
  drawn_ = true;
}

void Progress::finish() {
  if (!enabled_) return;
  if (ticker_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(tick_mutex_);
      stop_ticking_ = true;
    }
    tick_cv_.notify_all();
    ticker_.join();
  }
  std::lock_guard<std::mutex> lock(draw_mutex_);
  if (finished_) return;
  finished_ = true;
  if (drawn_) draw_("");
}

}  // namespace aesync
