// Progress: the one-line progress bar of a multi-partition run on a TTY (docs/observability.md).
//
// The runner calls start(total_days) once, add_rows(n) as rows are written (any thread),
// partition_done() when a day ends (whatever its outcome) and finish() at the end. When enabled,
// the line "[####----] 3/10 days | 1234567 rows | 98765 rows/s | ETA 1m05s" is redrawn in place
// on the output (stderr) at most every 200 ms and cleared by finish(), so the summary table
// that follows starts on a clean line. When disabled (stderr is not a TTY, or --no-progress),
// every call only counts and nothing is ever written. All methods are thread-safe; add_rows()
// is two atomic adds and a clock read unless a redraw is due, so it may sit on a hot path.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>

namespace aesync {

//! The numbers one progress line shows.
struct ProgressSnapshot {
  int64_t days_done = 0;
  int64_t days_total = 0;
  int64_t rows = 0;
  double elapsed_seconds = 0;
};

//! The status line for `s`, without the leading "\r" or any terminal control:
//! `[<20-wide bar>] D/T days | R rows | S rows/s | ETA E`. The bar fills with days; rows/s is
//! rows / elapsed rounded (0 before any time has passed); ETA extrapolates the time per finished
//! day to the days left ("--" before the first day ends; "0s" when all are done).
std::string render_progress_line(const ProgressSnapshot& s);

//! A duration for humans: "45s", "1m05s", "2h03m" (seconds rounded up).
std::string format_eta(double seconds);

//! True when a progress bar should be drawn: stderr is a TTY and --no-progress was not given.
bool progress_wanted(bool no_progress);

class Progress {
 public:
  using Clock = std::function<double()>;  //!< monotonic seconds

  //! Disabled unless `enabled`; draws on `out` (stderr by default) with `clock` (steady clock by
  //! default; tests pass a fake one).
  explicit Progress(bool enabled);
  Progress(bool enabled, std::ostream& out, Clock clock);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  //! Call before the workers start; resets the counters and the clock.
  void start(int64_t total_days);
  void add_rows(int64_t n);
  void partition_done();
  //! Clears the line (when one was drawn). Idempotent.
  void finish();

  ProgressSnapshot snapshot() const;
  bool enabled() const { return enabled_; }

  //! Minimum time between two redraws.
  static constexpr double kRedrawInterval = 0.2;

 private:
  void maybe_draw(bool force);

  const bool enabled_;
  std::ostream& out_;
  Clock clock_;
  std::atomic<int64_t> days_total_{0};
  std::atomic<int64_t> days_done_{0};
  std::atomic<int64_t> rows_{0};
  std::atomic<double> start_time_{0};
  std::atomic<double> last_draw_{-1e300};
  std::mutex draw_mutex_;
  bool drawn_ = false;     // guarded by draw_mutex_
  bool finished_ = false;  // guarded by draw_mutex_
};

}  // namespace aesync
