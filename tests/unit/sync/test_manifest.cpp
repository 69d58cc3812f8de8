#include <gtest/gtest.h>

#include "sync/manifest.h"

using namespace aesync;

TEST(Manifest, JsonHasEveryFieldInSpecOrder) {
  Manifest m;
  m.partition = "2026-02-03";
  m.table = "machine_metrics";
  m.data_key = "machine_metrics/2026-02-03/data.parquet";
  m.rows = 3;
  m.sample_weight = 12;
  m.bytes = 1234;
  m.sha256 = "ab";
  m.columns = {{"cpu", *RawColumn::parse("double1"), ColumnType::Double,
                WhenCondition{*RawColumn::parse("blob4"), "resource"}, false}};
  m.schema_fingerprint = "0123456789abcdef";
  m.windows = {{1770076800, 1770080400, 3, 12, 3, 1, true}, {1770080400, 1770080700, 2, 200, 20, 0.1, false}};
  m.source_rows = 3;
  m.verified = true;
  m.read_sampled = true;
  m.exported_at = "2026-02-05T12:00:00Z";
  m.aesync_version = "0.1.0";
  EXPECT_EQ(
      manifest_to_json(m),
      "{\n"
      "  \"partition\": \"2026-02-03\",\n"
      "  \"table\": \"machine_metrics\",\n"
      "  \"data_key\": \"machine_metrics/2026-02-03/data.parquet\",\n"
      "  \"rows\": 3,\n"
      "  \"sample_weight\": 12,\n"
      "  \"bytes\": 1234,\n"
      "  \"sha256\": \"ab\",\n"
      "  \"columns\": [\n"
      "    {\"name\": \"cpu\", \"type\": \"double\", \"from\": \"double1\", \"nullable\": true}\n"
      "  ],\n"
      "  \"schema_fingerprint\": \"0123456789abcdef\",\n"
      "  \"windows\": [\n"
      "    {\"start\": \"2026-02-03T00:00:00Z\", \"end\": \"2026-02-03T01:00:00Z\", \"rows\": 3, \"sample_weight\": 12, "
      "\"source_rows\": 3, \"resolution\": 1, \"verified\": true},\n"
      "    {\"start\": \"2026-02-03T01:00:00Z\", \"end\": \"2026-02-03T01:05:00Z\", \"rows\": 2, \"sample_weight\": 200, "
      "\"source_rows\": 20, \"resolution\": 0.1, \"verified\": false}\n"
      "  ],\n"
      "  \"source_rows\": 3,\n"
      "  \"verified\": true,\n"
      "  \"read_sampled\": true,\n"
      "  \"exported_at\": \"2026-02-05T12:00:00Z\",\n"
      "  \"aesync_version\": \"0.1.0\"\n"
      "}\n");
}

TEST(Manifest, EmptyDayHasNullDataKey) {
  Manifest m;
  m.partition = "2026-02-04";
  const std::string j = manifest_to_json(m);
  EXPECT_NE(j.find("\"data_key\": null,"), std::string::npos);
  EXPECT_NE(j.find("\"columns\": [],"), std::string::npos);
  EXPECT_NE(j.find("\"windows\": [],"), std::string::npos);
}

TEST(Manifest, ResolutionIsThePowerOfTenClosestToTheRatio) {
  EXPECT_EQ(resolution_of(10, 10), 1);
  EXPECT_EQ(resolution_of(0, 0), 1);
  EXPECT_EQ(resolution_of(12, 10), 1);  // more rows than counted (late rows): not sampled
  EXPECT_EQ(resolution_of(10, 100), 0.1);
  EXPECT_EQ(resolution_of(9, 100), 0.1);
  EXPECT_EQ(resolution_of(3, 100), 0.01);  // 0.03 is nearer 0.01 than 0.1 (on a log scale)
  EXPECT_EQ(resolution_of(1, 1000), 0.001);
  EXPECT_EQ(resolution_of(0, 5), 0);
}
