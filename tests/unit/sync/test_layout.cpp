// The object layout: names, key building and key parsing in one place (sync/layout.h).
#include "sync/layout.h"

#include <gtest/gtest.h>

#include "util/time.h"

namespace aesync {
namespace {

TEST(LayoutTest, DataFileNamePerFormatAndCompression) {
  OutputConfig o;
  EXPECT_EQ(data_file_name(o), "data.parquet");
  o.format = OutputFormat::Csv;
  o.compression = Compression::None;
  EXPECT_EQ(data_file_name(o), "data.csv");
  o.compression = Compression::Gzip;
  EXPECT_EQ(data_file_name(o), "data.csv.gz");
}

TEST(LayoutTest, KeysOfADay) {
  const PartitionLayout layout("team/metrics");
  const int64_t day = *parse_day("2026-02-03");
  OutputConfig csv;
  csv.format = OutputFormat::Csv;
  csv.compression = Compression::Gzip;
  EXPECT_EQ(layout.prefix(), "team/metrics");
  EXPECT_EQ(layout.root(), "team/metrics/");
  EXPECT_EQ(layout.day_prefix(day), "team/metrics/2026-02-03/");
  EXPECT_EQ(layout.data_key(day, OutputConfig{}), "team/metrics/2026-02-03/data.parquet");
  EXPECT_EQ(layout.data_key(day, csv), "team/metrics/2026-02-03/data.csv.gz");
  EXPECT_EQ(layout.manifest_key(day), "team/metrics/2026-02-03/_manifest.json");
  EXPECT_EQ(layout.lease_key(day), "team/metrics/2026-02-03/_lease.json");
  // Every key built is parsed back to its day.
  for (const std::string& key : {layout.data_key(day, OutputConfig{}), layout.data_key(day, csv),
                                 layout.manifest_key(day), layout.lease_key(day)})
    EXPECT_EQ(layout.day_of_key(key), day) << key;
  EXPECT_EQ(layout.day_of_key(layout.day_prefix(day)), std::nullopt);
}

TEST(LayoutTest, ManifestAndLeaseKeys) {
  EXPECT_TRUE(is_manifest_key("p/2026-02-03/_manifest.json"));
  EXPECT_FALSE(is_manifest_key("p/2026-02-03/x_manifest.json"));
  EXPECT_FALSE(is_manifest_key("_manifest.json"));
  EXPECT_FALSE(is_manifest_key("p/2026-02-03/_lease.json"));
  EXPECT_TRUE(is_lease_key("p/2026-02-03/_lease.json"));
  EXPECT_FALSE(is_lease_key("p/2026-02-03/old_lease.json"));
  EXPECT_FALSE(is_lease_key("p/2026-02-03/_manifest.json"));
}

}  // namespace
}  // namespace aesync
