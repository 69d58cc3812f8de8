#include "sync/factories.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace aesync {
namespace {

TEST(FactoriesTest, FileSourceIsNotAWindowSource) {
  SourceConfig file;
  file.type = SourceType::File;
  try {
    open_window_source(file);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "source.type \"file\" is not a remote source (analytics-engine, clickhouse)");
  }
}

}  // namespace
}  // namespace aesync
