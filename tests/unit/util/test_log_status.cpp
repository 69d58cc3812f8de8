// The status line under the log (a progress bar): log lines go above it, never over it.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "util/log.h"

namespace aesync::log {
namespace {

// Log output captured in memory for one test; the log's defaults restored after.
class LogStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = open_memstream(&buf_, &size_);
    ASSERT_NE(out_, nullptr);
    set_output(out_);
    set_format(Format::Text);
    set_level(Level::Info);
  }
  void TearDown() override {
    set_status_line("");
    set_output(stderr);
    std::fclose(out_);
    std::free(buf_);
  }
  std::string captured() {
    std::fflush(out_);
    return std::string(buf_, size_);
  }

  std::FILE* out_ = nullptr;
  char* buf_ = nullptr;
  size_t size_ = 0;
};

TEST_F(LogStatusTest, WithoutAStatusLineLogLinesAreWrittenAsIs) {
  info("plain", {{"rows", 3}});
  EXPECT_EQ(captured(), "info: plain rows=3\n");
}

TEST_F(LogStatusTest, ALogLineGoesAboveTheStatusLineWhichIsDrawnAgain) {
  set_status_line("42% | day 1/2");
  warn("retrying", {{"target", "source"}});
  set_status_line("50% | day 2/2");
  set_status_line("");
  info("after");
  EXPECT_EQ(captured(),
            "\r\x1b[K42% | day 1/2"                                // drawn
            "\r\x1b[Kwarn: retrying target=source\n42% | day 1/2"  // erased, the log line, drawn again
            "\r\x1b[K50% | day 2/2"                                // replaced
            "\r\x1b[K"                                             // erased
            "info: after\n");                                      // no bar to redraw
}

TEST_F(LogStatusTest, ErasingWhenNothingIsDrawnWritesNothing) {
  set_status_line("");
  EXPECT_EQ(captured(), "");
}

TEST_F(LogStatusTest, TheStatusLineIsRedacted) {
  add_secret("status-secret-value");
  set_status_line("day 1 status-secret-value");
  EXPECT_EQ(captured(), "\r\x1b[Kday 1 ***");
}

}  // namespace
}  // namespace aesync::log
