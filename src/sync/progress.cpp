#include "sync/progress.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace aesync {

namespace {

constexpr int kBarWidth = 20;

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string format_eta(double seconds) {
  int64_t s = seconds <= 0 ? 0 : static_cast<int64_t>(std::ceil(seconds));
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

std::string render_progress_line(const ProgressSnapshot& s) {
  int64_t total = s.days_total < 0 ? 0 : s.days_total;
  int64_t done = s.days_done < 0 ? 0 : (s.days_done > total ? total : s.days_done);
  int filled = total == 0 ? 0 : static_cast<int>(done * kBarWidth / total);
  std::string line = "[";
  line.append(static_cast<size_t>(filled), '#');
  line.append(static_cast<size_t>(kBarWidth - filled), '-');
  line += "] ";
  line += std::to_string(done) + "/" + std::to_string(total) + " days | ";
  line += std::to_string(s.rows) + " rows | ";
  int64_t rate = s.elapsed_seconds > 0 ? std::llround(static_cast<double>(s.rows) / s.elapsed_seconds) : 0;
  line += std::to_string(rate) + " rows/s | ETA ";
  if (done >= total) {
    line += "0s";
  } else if (done == 0) {
    line += "--";
  } else {
    line += format_eta(s.elapsed_seconds / static_cast<double>(done) * static_cast<double>(total - done));
  }
  return line;
}

bool progress_wanted(bool no_progress) { return !no_progress && ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(bool enabled) : Progress(enabled, std::cerr, steady_seconds) {}

Progress::Progress(bool enabled, std::ostream& out, Clock clock)
    : enabled_(enabled), out_(out), clock_(std::move(clock)) {}

void Progress::start(int64_t total_days) {
  days_total_.store(total_days);
  days_done_.store(0);
  rows_.store(0);
  std::lock_guard<std::mutex> lock(draw_mutex_);
  start_time_.store(clock_());
  finished_ = false;
  last_draw_.store(-1e300);
}

void Progress::add_rows(int64_t n) {
  rows_.fetch_add(n, std::memory_order_relaxed);
  if (enabled_) maybe_draw(false);
}

void Progress::partition_done() {
  days_done_.fetch_add(1);
  if (enabled_) maybe_draw(false);
}

ProgressSnapshot Progress::snapshot() const {
  ProgressSnapshot s;
  s.days_done = days_done_.load();
  s.days_total = days_total_.load();
  s.rows = rows_.load();
  s.elapsed_seconds = clock_() - start_time_;
  return s;
}

void Progress::maybe_draw(bool force) {
  double now = clock_();
  if (!force && now - last_draw_.load(std::memory_order_relaxed) < kRedrawInterval) return;
  // Another thread drawing right now makes this redraw redundant: skip rather than wait.
  std::unique_lock<std::mutex> lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  if (!force && now - last_draw_.load() < kRedrawInterval) return;
  last_draw_.store(now);
  ProgressSnapshot s;
  s.days_done = days_done_.load();
  s.days_total = days_total_.load();
  s.rows = rows_.load();
  s.elapsed_seconds = now - start_time_;
  // "\r" + erase-line so a shorter line leaves no tail of the previous one.
  out_ << "\r\x1b[K" << render_progress_line(s) << std::flush;
  drawn_ = true;
}

void Progress::finish() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(draw_mutex_);
  if (finished_) return;
  finished_ = true;
  if (drawn_) out_ << "\r\x1b[K" << std::flush;
}

}  // namespace aesync
