#include "sync/progress.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <vector>

namespace aesync {
namespace {

TEST(ProgressLine, NothingDoneYet) {
  EXPECT_EQ(render_progress_line({0, 10, 0, 0}), "[--------------------] 0/10 days | 0 rows | 0 rows/s | ETA --");
}

TEST(ProgressLine, ThreeOfTen) {
  EXPECT_EQ(render_progress_line({3, 10, 1234567, 12.5}),
            "[######--------------] 3/10 days | 1234567 rows | 98765 rows/s | ETA 30s");
}

TEST(ProgressLine, MinutesAndHoursEta) {
  EXPECT_EQ(render_progress_line({1, 4, 500, 25}),
            "[#####---------------] 1/4 days | 500 rows | 20 rows/s | ETA 1m15s");
  EXPECT_EQ(render_progress_line({1, 90, 1000, 100}),
            "[--------------------] 1/90 days | 1000 rows | 10 rows/s | ETA 2h28m");
}

TEST(ProgressLine, AllDone) {
  EXPECT_EQ(render_progress_line({7, 7, 42, 2}), "[####################] 7/7 days | 42 rows | 21 rows/s | ETA 0s");
}

TEST(ProgressLine, ZeroTotalAndOverflowClamped) {
  EXPECT_EQ(render_progress_line({0, 0, 0, 1}), "[--------------------] 0/0 days | 0 rows | 0 rows/s | ETA 0s");
  EXPECT_EQ(render_progress_line({5, 3, 9, 3}), "[####################] 3/3 days | 9 rows | 3 rows/s | ETA 0s");
}

TEST(ProgressEta, Formats) {
  EXPECT_EQ(format_eta(0), "0s");
  EXPECT_EQ(format_eta(-3), "0s");
  EXPECT_EQ(format_eta(0.2), "1s");
  EXPECT_EQ(format_eta(59), "59s");
  EXPECT_EQ(format_eta(60), "1m00s");
  EXPECT_EQ(format_eta(3599), "59m59s");
  EXPECT_EQ(format_eta(3600), "1h00m");
  EXPECT_EQ(format_eta(90061), "25h01m");
}

struct FakeClock {
  double now = 100;
  Progress::Clock fn() {
    return [this] { return now; };
  }
};

TEST(Progress, DisabledWritesNothingButCounts) {
  std::ostringstream out;
  FakeClock clock;
  Progress p(false, out, clock.fn());
  p.start(3);
  p.add_rows(10);
  clock.now += 1;
  p.partition_done();
  p.finish();
  EXPECT_EQ(out.str(), "");
  ProgressSnapshot s = p.snapshot();
  EXPECT_EQ(s.days_done, 1);
  EXPECT_EQ(s.days_total, 3);
  EXPECT_EQ(s.rows, 10);
  EXPECT_EQ(s.elapsed_seconds, 1.0);
}

TEST(Progress, RedrawsAtMostEvery200msAndClearsAtFinish) {
  std::ostringstream out;
  FakeClock clock;
  Progress p(true, out, clock.fn());
  p.start(2);
  p.add_rows(100);  // first call draws
  clock.now += 0.125;
  p.add_rows(100);  // too soon
  clock.now += 0.125;
  p.partition_done();  // 0.25 s since the last draw: draws
  clock.now += 0.0625;
  p.add_rows(1);  // too soon
  p.finish();
  p.finish();
  p.add_rows(1);  // after finish: nothing
  EXPECT_EQ(out.str(),
            "\r\x1b[K[--------------------] 0/2 days | 100 rows | 0 rows/s | ETA --"
            "\r\x1b[K[##########----------] 1/2 days | 200 rows | 800 rows/s | ETA 1s"
            "\r\x1b[K");
}

TEST(Progress, FinishWithoutDrawWritesNothing) {
  std::ostringstream out;
  FakeClock clock;
  Progress p(true, out, clock.fn());
  p.start(1);
  p.finish();
  EXPECT_EQ(out.str(), "");
}

TEST(Progress, ConcurrentAddsAreCounted) {
  std::ostringstream out;
  Progress p(true, out, [] { return 0.0; });  // a frozen clock: only the first call draws
  p.start(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&p] {
      for (int i = 0; i < 10000; ++i) p.add_rows(1);
      p.partition_done();
    });
  }
  for (auto& t : threads) t.join();
  ProgressSnapshot s = p.snapshot();
  EXPECT_EQ(s.rows, 40000);
  EXPECT_EQ(s.days_done, 4);
  EXPECT_EQ(out.str().rfind("\r\x1b[K[", 0), 0u);
  EXPECT_EQ(out.str().find("\r", 1), std::string::npos);
}

TEST(Progress, NotWantedWhenNoProgressGiven) { EXPECT_FALSE(progress_wanted(true)); }

}  // namespace
}  // namespace aesync
