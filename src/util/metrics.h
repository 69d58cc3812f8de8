// A small process-wide metrics registry rendered as Prometheus text (exposition format 0.0.4),
// for `aesync daemon`'s /metrics and for `--metrics-file` (node_exporter's textfile collector,
// written whole or not at all: write_file). Counters, gauges and histograms are declared once (name, help,
// type; buckets for a histogram) and then updated from any thread; series of one metric differ
// by their label text (`status="200"`). Updates take a mutex: they happen per request or per
// partition, never per row.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aesync::metrics {

enum class Type { Counter, Gauge, Histogram };

class Registry {
 public:
  //! Declares a metric; updating a metric that was never declared is a no-op, so that code paths
  //! shared with `aesync sync` can update metrics the daemon alone declares. Declaring it again with the same type is a
  //! no-op (buckets are kept); with another type it throws std::logic_error naming it. `buckets` (histograms only) are
  //! the finite upper bounds in increasing order; +Inf is implicit.
  void declare(const std::string& name, Type type, const std::string& help, std::vector<double> buckets = {});

  //! Counter: adds `delta` (>= 0) to the series `labels` (e.g. `status="200"`, "" = none).
  void add(std::string_view name, double delta, std::string_view labels = "");
  //! Gauge: sets the series to `value`.
  void set(std::string_view name, double value, std::string_view labels = "");
  //! Histogram: records one observation.
  void observe(std::string_view name, double value);
  //! The current value of a counter or gauge series (0 when it has never been updated).
  double value(std::string_view name, std::string_view labels = "") const;

  //! Every declared metric in name order: # HELP, # TYPE, then its series (label order). A
  //! counter or gauge with no series yet renders one unlabelled series with value 0.
  std::string render() const;

  //! Writes render() to `path` atomically: a temporary file beside it (`.<name>.<pid>.tmp`, which
  //! the textfile collector ignores: it reads `*.prom` only), flushed, then renamed over `path`, so
  //! a reader sees the previous file or this one, never a part. Throws aesync::Error naming the
  //! path and the system's reason (a missing folder, no permission); no temporary file is left.
  void write_file(const std::string& path) const;

  //! Runs `f(*this)` holding the registry's lock, so that a scrape sees either none or all of
  //! its updates (a run's rows, partitions and run count together).
  template <class F>
  void atomically(F&& f) {
    std::lock_guard lock(mutex_);
    f(*this);
  }

 private:
  struct Metric {
    Type type = Type::Counter;
    std::string help;
    std::vector<double> buckets;
    std::map<std::string, double, std::less<>> series;  // label text -> value
    std::vector<uint64_t> bucket_counts;                // histogram: one per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  Metric* find(std::string_view name, Type type);  // nullptr when undeclared

  mutable std::recursive_mutex mutex_;  // recursive for atomically()
  std::map<std::string, Metric, std::less<>> metrics_;
};

//! The registry the daemon serves and the sources update.
Registry& global();

//! The decimal text of a sample value as Prometheus reads it: integers without a fraction,
//! otherwise the shortest round-trip form; "+Inf", "-Inf", "NaN".
std::string format_value(double v);

//! One label as the exposition format writes it: `name="value"`, the value's backslash, double
//! quote and newline escaped (`\\`, `\"`, `\n`).
std::string label(std::string_view name, std::string_view value);

//! The value of the unlabelled sample `name` in Prometheus text (a file written by write_file),
//! or nullopt when absent or unreadable as a number.
std::optional<double> sample_value(std::string_view text, std::string_view name);

}  // namespace aesync::metrics
