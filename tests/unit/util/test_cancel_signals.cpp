// The signals of util/cancel.h: SIGINT/SIGTERM cancel the run, SIGHUP only raises a flag.
#include <gtest/gtest.h>

#include <csignal>

#include "util/cancel.h"

namespace aesync::cancel {
namespace {

class CancelSignalsTest : public ::testing::Test {
 protected:
  void SetUp() override { reset(); }
  void TearDown() override {
    reset();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGHUP, SIG_DFL);
  }
};

TEST_F(CancelSignalsTest, ThrowIfRequestedNamesTheStep) {
  EXPECT_NO_THROW(throw_if_requested("reading x.jsonl"));
  request();
  try {
    throw_if_requested("reading x.jsonl");
    FAIL() << "no throw";
  } catch (const Cancelled& e) {
    EXPECT_STREQ(e.what(), "reading x.jsonl: cancelled");
    EXPECT_EQ(e.exit_code(), 1);
  }
}

TEST_F(CancelSignalsTest, SigintAndSigtermRequestCancellation) {
  install_stop_signals(false);
  std::raise(SIGINT);
  EXPECT_TRUE(requested());
  reset();
  std::raise(SIGTERM);
  EXPECT_TRUE(requested());
  // Without second_kills a second one is harmless (the daemon).
  std::raise(SIGTERM);
  EXPECT_TRUE(requested());
  EXPECT_FALSE(sleep_for(std::chrono::milliseconds(1000)));
}

TEST_F(CancelSignalsTest, SecondSigintKillsWhenAsked) {
  EXPECT_EXIT(
      {
        install_stop_signals(true);
        std::raise(SIGINT);
        if (!requested()) std::_Exit(3);
        std::raise(SIGINT);  // the default action: the process ends by SIGINT
        std::_Exit(4);
      },
      ::testing::KilledBySignal(SIGINT), "");
}

TEST_F(CancelSignalsTest, SighupOnlyRaisesTheReloadFlag) {
  install_hangup_signal();
  EXPECT_FALSE(take_hangup());
  std::raise(SIGHUP);
  EXPECT_FALSE(requested());
  EXPECT_TRUE(take_hangup());
  EXPECT_FALSE(take_hangup());  // read once
}

}  // namespace
}  // namespace aesync::cancel
