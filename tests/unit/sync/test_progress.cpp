#include "sync/progress.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/temp_dir.h"

namespace aesync {
namespace {

ProgressSnapshot days(int64_t started, int64_t done, int64_t total, int64_t rows, double elapsed) {
  ProgressSnapshot s;
  s.days_started = started;
  s.days_done = done;
  s.days_total = total;
  s.rows = rows;
  s.elapsed_seconds = elapsed;
  return s;
}

TEST(ProgressLine, NothingDoneYet) {
  EXPECT_EQ(render_progress_line(days(0, 0, 10, 0, 0)), "0% | day 0/10 | 0 rows | 0 rows/s | ETA --");
}

TEST(ProgressLine, DaysOnlyWithoutHistograms) {
  ProgressSnapshot s = days(4, 3, 10, 1234567, 12.5);
  s.day = "2026-02-04";
  s.bytes = 5 * 1024 * 1024 + 300 * 1024;
  EXPECT_EQ(render_progress_line(s), "30% | day 4/10 2026-02-04 | 1234567 rows | 98765 rows/s | 5.3 MiB | ETA 30s");
}

TEST(ProgressLine, EtaFromTheHistogramsRows) {
  // Two days of ten announced 1000 rows each: 10000 expected; 2500 read in 10 s -> 30 s left.
  ProgressSnapshot s = days(2, 1, 10, 2500, 10);
  s.rows_expected = 2000;
  s.days_expected = 2;
  s.day = "2026-02-02";
  s.window = "05:00-06:00";
  EXPECT_DOUBLE_EQ(progress_fraction(s), 0.25);
  EXPECT_EQ(render_progress_line(s),
            "25% | day 2/10 2026-02-02 | window 05:00-06:00 | 2500 rows | 250 rows/s | ETA 30s");
}

TEST(ProgressLine, SingleDayFromItsHistogram) {
  // A day of 90000 rows announced, 30000 read in 20 s: 40 s left (the days done say nothing).
  ProgressSnapshot s = days(1, 0, 1, 30000, 20);
  s.rows_expected = 90000;
  s.days_expected = 1;
  EXPECT_EQ(render_progress_line(s), "33% | day 1/1 | 30000 rows | 1500 rows/s | ETA 40s");
}

TEST(ProgressLine, InputFileOfKnownSize) {
  // The file source: days found as read, the ETA from the input's bytes.
  ProgressSnapshot s = days(2, 0, 0, 500, 5);
  s.day = "2026-02-03";
  s.input_read = 3 * 1024 * 1024;
  s.input_size = 12 * 1024 * 1024;
  EXPECT_EQ(render_progress_line(s), "25% | day 2 2026-02-03 | read 3.0/12.0 MiB | 500 rows | 100 rows/s | ETA 15s");
}

TEST(ProgressLine, NothingTellsTheFraction) {
  // stdin: no size, no days known.
  EXPECT_EQ(render_progress_line(days(0, 0, 0, 7, 2)), "7 rows | 4 rows/s | ETA --");
}

TEST(ProgressLine, AllDoneAndOverflowClamped) {
  EXPECT_EQ(render_progress_line(days(7, 7, 7, 42, 2)), "100% | day 7/7 | 42 rows | 21 rows/s | ETA 0s");
  EXPECT_EQ(render_progress_line(days(5, 5, 3, 9, 3)), "100% | day 3/3 | 9 rows | 3 rows/s | ETA 0s");
  ProgressSnapshot more = days(1, 0, 1, 150, 3);  // more rows than announced
  more.rows_expected = 100;
  more.days_expected = 1;
  EXPECT_EQ(render_progress_line(more), "100% | day 1/1 | 150 rows | 50 rows/s | ETA 0s");
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

TEST(ProgressBytes, Formats) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(4 * 1024 * 1024), "4.0 MiB");
  EXPECT_EQ(format_bytes(int64_t{3} * 1024 * 1024 * 1024 / 2 * 1), "1.50 GiB");
}

TEST(ProgressWindow, LabelsWithinTheDay) {
  const int64_t day = 20487 * int64_t{86400};  // 2026-02-03
  EXPECT_EQ(window_label(day + 5 * 3600, day + 6 * 3600), "05:00-06:00");
  EXPECT_EQ(window_label(day + 23 * 3600 + 30 * 60, day + 86400), "23:30-24:00");
  EXPECT_EQ(window_label(day, day + 300), "00:00-00:05");
}

TEST(ProgressInput, SizeOfARegularFileOnly) {
  test::TempDir dir;
  const std::string path = (dir.path / "in.jsonl").string();
  std::ofstream(path) << std::string(1234, 'x');
  EXPECT_EQ(input_file_size(path), 1234);
  EXPECT_EQ(input_file_size("-"), 0);
  EXPECT_EQ(input_file_size((dir.path / "missing").string()), 0);
  EXPECT_EQ(input_file_size(dir.path.string()), 0);
}

struct FakeClock {
  double now = 100;
  Progress::Clock fn() {
    return [this] { return now; };
  }
};

// What a Progress drew: each line ("" = erased).
struct Drawn {
  std::vector<std::string> lines;
  Progress::Draw fn() {
    return [this](const std::string& l) { lines.push_back(l); };
  }
};

TEST(Progress, DisabledDrawsNothingButCounts) {
  Drawn drawn;
  FakeClock clock;
  {
    Progress p(false, drawn.fn(), clock.fn());
    p.start(3);
    p.day_started("2026-02-01");
    p.expect_rows(40);
    p.add_rows(10);
    p.add_bytes(77);
    clock.now += 1;
    p.partition_done();
    p.finish();
    ProgressSnapshot s = p.snapshot();
    EXPECT_EQ(s.days_started, 1);
    EXPECT_EQ(s.days_done, 1);
    EXPECT_EQ(s.days_total, 3);
    EXPECT_EQ(s.rows, 10);
    EXPECT_EQ(s.rows_expected, 40);
    EXPECT_EQ(s.days_expected, 1);
    EXPECT_EQ(s.bytes, 77);
    EXPECT_EQ(s.day, "2026-02-01");
    EXPECT_EQ(s.elapsed_seconds, 1.0);
  }
  EXPECT_TRUE(drawn.lines.empty());
}

TEST(Progress, RedrawsAtMostEvery200msAndErasesAtFinish) {
  Drawn drawn;
  FakeClock clock;
  Progress p(true, drawn.fn(), clock.fn());
  p.start(2);
  p.day_started("2026-02-01");  // a new day always draws
  p.expect_rows(400);
  p.set_window("00:00-01:00");  // a new window always draws
  p.add_rows(100);              // too soon
  clock.now += 0.25;
  p.add_rows(100);  // draws
  clock.now += 0.125;
  p.add_rows(100);  // too soon
  clock.now += 0.125;
  p.add_bytes(2048);
  p.partition_done();  // an ended day always draws
  p.finish();
  p.finish();
  p.add_rows(1);  // after finish: nothing
  EXPECT_EQ(drawn.lines, (std::vector<std::string>{
                             "0% | day 1/2 2026-02-01 | 0 rows | 0 rows/s | ETA --",
                             "0% | day 1/2 2026-02-01 | window 00:00-01:00 | 0 rows | 0 rows/s | ETA --",
                             "25% | day 1/2 2026-02-01 | window 00:00-01:00 | 200 rows | 800 rows/s | ETA 1s",
                             "37% | day 1/2 2026-02-01 | window 00:00-01:00 | 300 rows | 600 rows/s | 2.0 KiB | ETA 1s",
                             "",
                         }));
}

TEST(Progress, FinishWithoutDrawDrawsNothing) {
  Drawn drawn;
  FakeClock clock;
  Progress p(true, drawn.fn(), clock.fn());
  p.start(1);
  p.finish();
  EXPECT_TRUE(drawn.lines.empty());
}

TEST(Progress, DestructorErasesTheLine) {
  // An exception leaving the command must not leave the bar under the error message.
  Drawn drawn;
  FakeClock clock;
  {
    Progress p(true, drawn.fn(), clock.fn());
    p.start(1);
    p.day_started("2026-02-01");
  }
  ASSERT_EQ(drawn.lines.size(), 2u);
  EXPECT_EQ(drawn.lines.back(), "");
}

TEST(Progress, ConcurrentAddsAreCounted) {
  Drawn drawn;
  Progress p(true, drawn.fn(), [] { return 0.0; });  // a frozen clock: only the first call draws
  p.start(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&p] {
      for (int i = 0; i < 10000; ++i) p.add_rows(1);
    });
  }
  for (auto& t : threads) t.join();
  ProgressSnapshot s = p.snapshot();
  EXPECT_EQ(s.rows, 40000);
  EXPECT_EQ(drawn.lines.size(), 1u);
}

TEST(Progress, NotWantedWhenNoProgressGiven) { EXPECT_FALSE(progress_wanted(true)); }

}  // namespace
}  // namespace aesync
