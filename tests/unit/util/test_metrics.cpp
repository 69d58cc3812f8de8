#include "util/metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace aesync::metrics {
namespace {

TEST(Metrics, RendersEveryTypeWithHelpAndTypeInNameOrder) {
  Registry r;
  r.declare("b_requests_total", Type::Counter, "Requests by status.");
  r.declare("a_duration_seconds", Type::Histogram, "Durations.", {1, 5});
  r.declare("c_last_seconds", Type::Gauge, "Last time.");
  r.add("b_requests_total", 2, "status=\"503\"");
  r.add("b_requests_total", 1, "status=\"200\"");
  r.add("b_requests_total", 3, "status=\"200\"");
  r.observe("a_duration_seconds", 0.5);
  r.observe("a_duration_seconds", 1);
  r.observe("a_duration_seconds", 2.25);
  r.observe("a_duration_seconds", 7200);
  r.set("c_last_seconds", 1795616842);
  EXPECT_EQ(r.render(),
            "# HELP a_duration_seconds Durations.\n"
            "# TYPE a_duration_seconds histogram\n"
            "a_duration_seconds_bucket{le=\"1\"} 2\n"
            "a_duration_seconds_bucket{le=\"5\"} 3\n"
            "a_duration_seconds_bucket{le=\"+Inf\"} 4\n"
            "a_duration_seconds_sum 7203.75\n"
            "a_duration_seconds_count 4\n"
            "# HELP b_requests_total Requests by status.\n"
            "# TYPE b_requests_total counter\n"
            "b_requests_total{status=\"200\"} 4\n"
            "b_requests_total{status=\"503\"} 2\n"
            "# HELP c_last_seconds Last time.\n"
            "# TYPE c_last_seconds gauge\n"
            "c_last_seconds 1795616842\n");
  EXPECT_EQ(r.value("b_requests_total", "status=\"200\""), 4);
  EXPECT_EQ(r.value("b_requests_total", "status=\"404\""), 0);
}

TEST(Metrics, UntouchedMetricsRenderZeroAndAnEmptyHistogram) {
  Registry r;
  r.declare("x_total", Type::Counter, "Help with a \\ backslash\nand a newline.");
  r.declare("y_seconds", Type::Histogram, "H.", {60});
  EXPECT_EQ(r.render(),
            "# HELP x_total Help with a \\\\ backslash\\nand a newline.\n"
            "# TYPE x_total counter\n"
            "x_total 0\n"
            "# HELP y_seconds H.\n"
            "# TYPE y_seconds histogram\n"
            "y_seconds_bucket{le=\"60\"} 0\n"
            "y_seconds_bucket{le=\"+Inf\"} 0\n"
            "y_seconds_sum 0\n"
            "y_seconds_count 0\n");
}

TEST(Metrics, UndeclaredUpdatesAreIgnoredAndTypeMismatchesThrow) {
  Registry r;
  r.add("nobody_total", 1);
  r.set("nobody", 1);
  r.observe("nobody_seconds", 1);
  EXPECT_EQ(r.render(), "");
  r.declare("g", Type::Gauge, "G.");
  r.declare("g", Type::Gauge, "ignored: declared already");
  EXPECT_THROW(r.declare("g", Type::Counter, "C."), std::logic_error);
  try {
    r.add("g", 1);
    FAIL() << "no exception";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "metric g is a gauge, not a counter");
  }
  EXPECT_THROW(r.declare("h", Type::Histogram, "H.", {5, 1}), std::logic_error);
}

TEST(Metrics, FormatsValuesAsPrometheusReadsThem) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(12345678901234), "12345678901234");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(1e300), "1e+300");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
}

TEST(Metrics, ConcurrentUpdatesAllCountAndAtomicallyGroupsThem) {
  Registry r;
  r.declare("n_total", Type::Counter, "N.");
  r.declare("m_total", Type::Counter, "M.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&r] {
      for (int i = 0; i < 10000; ++i) {
        r.atomically([](Registry& reg) {
          reg.add("n_total", 1);
          reg.add("m_total", 2);
        });
      }
    });
  // Every snapshot taken meanwhile sees m == 2n.
  for (int i = 0; i < 200; ++i) {
    r.atomically([](Registry& reg) { EXPECT_EQ(reg.value("m_total"), 2 * reg.value("n_total")); });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(r.value("n_total"), 40000);
  EXPECT_EQ(r.value("m_total"), 80000);
}

}  // namespace
}  // namespace aesync::metrics
