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

TEST(FactoriesTest, DataFileNamePerFormatAndCompression) {
  OutputConfig o;
  EXPECT_EQ(data_file_name(o), "data.parquet");
  o.format = OutputFormat::Csv;
  o.compression = Compression::None;
  EXPECT_EQ(data_file_name(o), "data.csv");
  o.compression = Compression::Gzip;
  EXPECT_EQ(data_file_name(o), "data.csv.gz");
}

}  // namespace
}  // namespace aesync
