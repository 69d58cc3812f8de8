#include "util/cancel.h"

#include <gtest/gtest.h>

#include <csignal>
#include <thread>

namespace aesync::cancel {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

class CancelTest : public ::testing::Test {
 protected:
  void SetUp() override { reset(); }
  void TearDown() override { reset(); }
};

TEST_F(CancelTest, SleepsWhenNotCancelled) {
  EXPECT_FALSE(requested());
  EXPECT_TRUE(sleep_for(milliseconds(0)));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(sleep_for(milliseconds(20)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(20));
}

TEST_F(CancelTest, CancelledSleepReturnsAtOnce) {
  request();
  EXPECT_TRUE(requested());
  EXPECT_FALSE(sleep_for(hours(1)));
  request();  // idempotent
  EXPECT_FALSE(sleep_for(hours(1)));
  EXPECT_FALSE(sleep_for(milliseconds::max()));
  reset();
  EXPECT_FALSE(requested());
  EXPECT_TRUE(sleep_for(milliseconds(5)));  // the wake-up left by the request was cleared too
  EXPECT_TRUE(sleep_for(milliseconds(-5)));
}

TEST_F(CancelTest, RequestWakesSleepersOnOtherThreads) {
  bool results[3] = {true, true, true};
  std::thread sleepers[3];
  for (int i = 0; i < 3; ++i) sleepers[i] = std::thread([&results, i] { results[i] = sleep_for(hours(1)); });
  request();
  for (auto& t : sleepers) t.join();
  for (bool r : results) EXPECT_FALSE(r);
}

extern "C" void on_signal(int) { request(); }

TEST_F(CancelTest, RequestFromASignalHandler) {
  auto previous = std::signal(SIGUSR1, on_signal);
  ASSERT_NE(previous, SIG_ERR);
  std::raise(SIGUSR1);
  std::signal(SIGUSR1, previous);
  EXPECT_TRUE(requested());
  EXPECT_FALSE(sleep_for(hours(1)));
}

}  // namespace
}  // namespace aesync::cancel
