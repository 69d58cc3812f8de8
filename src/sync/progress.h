// Progress: the status line of a long command on a terminal (`sync` from any source, backfills,
// `convert`; docs/observability.md).
//
// The command calls start(total_days) once (0 when the days are not known before the input is
// read), then, from any thread: day_started() as a day begins, expect_rows() when a day's rows
// are known before they are read (the AE histogram), set_window() as a window is read,
// input_read() as an input file is consumed, add_rows()/add_bytes() as rows and output bytes
// are written, partition_done() when a day ends (whatever its outcome) and finish() at the end.
// When enabled, the line
//   "42% | day 3/10 2026-02-03 | window 05:00-06:00 | 1234567 rows | 98765 rows/s | 12.3 MiB | ETA 1m05s"
// is drawn under the log (util/log.h's status line: log lines appear above it, never over it),
// redrawn at most every 200 ms (at once for a new day, window or finished day), fitted to the terminal's width, and
// erased by finish() (or the destructor), so the summary that follows starts on a clean line. The ETA comes from real
// totals: the input's size (file source, convert), else the rows the days' histograms announced,
// else the days done. When disabled (stderr is not a TTY, or --no-progress), every call only
// counts and nothing is ever written. All methods are thread-safe; add_rows() is an atomic add
// and a clock read unless a redraw is due, so it may sit on a hot path.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace aesync {

//! The numbers one progress line shows.
struct ProgressSnapshot {
  int64_t days_started = 0;
  int64_t days_done = 0;
  int64_t days_total = 0;  //!< 0: not known (the file source finds its days as it reads)
  int64_t rows = 0;
  int64_t rows_expected = 0;  //!< rows the started days announced before their reads (histograms)
  int64_t days_expected = 0;  //!< days whose rows were announced
  int64_t bytes = 0;          //!< output bytes written
  int64_t input_read = 0;     //!< input bytes consumed
  int64_t input_size = 0;     //!< 0: no input file, or its size is not known (stdin)
  std::string day;            //!< the day last started ("2026-02-03"); empty: none
  std::string window;         //!< the window last read ("05:00-06:00"); empty: none
  double elapsed_seconds = 0;
};

//! The share of the work done, in [0, 1], or a negative value when nothing tells: the input read
//! of its size; else the rows of the rows expected (the announced days' average for the days not
//! announced yet); else the days done of the days.
double progress_fraction(const ProgressSnapshot& s);

//! The status line for `s`, without any terminal control: the parts that apply, joined by
//! " | ": `P%` (progress_fraction), `day I/N DAY` (`day I DAY` when N is not known), `window W`,
//! `read R/S MiB` (an input of known size), `R rows`, `S rows/s` (rows / elapsed, rounded),
//! `B MiB` (output bytes, format_bytes; left out while 0), `ETA E` (elapsed extrapolated by the fraction left; "--"
//! before anything tells, "0s" when all is done).
std::string render_progress_line(const ProgressSnapshot& s);

//! A duration for humans: "45s", "1m05s", "2h03m" (seconds rounded up).
std::string format_eta(double seconds);
//! Bytes for humans: "512 B", "12.3 KiB", "4.0 MiB", "1.20 GiB".
std::string format_bytes(int64_t bytes);
//! A window as the progress line names it, within its day: "05:00-06:00" ("23:00-24:00" for
//! one ending at midnight); seconds since the epoch.
std::string window_label(int64_t start, int64_t end);

//! The size of the regular file at `path`; 0 for stdin ("-"), a pipe or a missing file.
int64_t input_file_size(const std::string& path);

//! True when a progress line should be drawn: stderr is a TTY and --no-progress was not given.
bool progress_wanted(bool no_progress);

class Progress {
 public:
  using Clock = std::function<double()>;                 //!< monotonic seconds
  using Draw = std::function<void(const std::string&)>;  //!< draws the line; "" erases it

  //! Disabled unless `enabled`; draws through log::set_status_line, cut to the terminal's width,
  //! and also every 200 ms from a thread of its own (between start() and finish()), so that the
  //! rate and the ETA stay current while the source or the input stalls.
  explicit Progress(bool enabled);
  //! Tests: their own drawing and clock, no thread (draws on events only).
  Progress(bool enabled, Draw draw, Clock clock);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  //! Call before the work starts; resets the counters and the clock. `total_days` 0: unknown.
  void start(int64_t total_days);
  //! The input file's size (0: unknown), and the bytes of it consumed so far.
  void set_input_size(int64_t bytes);
  void input_read(int64_t bytes_so_far);
  void day_started(const std::string& day);
  //! A started day's rows, announced before they are read.
  void expect_rows(int64_t rows);
  void set_window(const std::string& label);
  void add_rows(int64_t n);
  void add_bytes(int64_t n);
  void partition_done();
  //! Erases the line (when one was drawn). Idempotent.
  void finish();

  ProgressSnapshot snapshot() const;
  bool enabled() const { return enabled_; }

  //! Minimum time between two redraws.
  static constexpr double kRedrawInterval = 0.2;

 private:
  ProgressSnapshot snapshot_at(double now) const;
  void maybe_draw(bool force);
  void tick();

  const bool enabled_;
  bool ticking_ = false;  // the production constructor: a redraw thread between start and finish
  Draw draw_;
  Clock clock_;
  std::atomic<int64_t> days_total_{0};
  std::atomic<int64_t> days_started_{0};
  std::atomic<int64_t> days_done_{0};
  std::atomic<int64_t> rows_{0};
  std::atomic<int64_t> rows_expected_{0};
  std::atomic<int64_t> days_expected_{0};
  std::atomic<int64_t> bytes_{0};
  std::atomic<int64_t> input_read_{0};
  std::atomic<int64_t> input_size_{0};
  std::atomic<double> start_time_{0};
  std::atomic<double> last_draw_{-1e300};
  mutable std::mutex labels_mutex_;
  std::string day_;     // guarded by labels_mutex_
  std::string window_;  // guarded by labels_mutex_
  std::mutex draw_mutex_;
  bool drawn_ = false;     // guarded by draw_mutex_
  bool finished_ = false;  // guarded by draw_mutex_
  std::mutex tick_mutex_;
  std::condition_variable tick_cv_;
  bool stop_ticking_ = false;  // guarded by tick_mutex_
  std::thread ticker_;
};

}  // namespace aesync
