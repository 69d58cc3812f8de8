#include <gtest/gtest.h>

#include "sync/manifest.h"

using namespace aesync;

TEST(Manifest, JsonHasEveryFieldInSpecOrder) {
  Manifest m;
  m.partition = "2026-02-03";
  m.data_key = "machine_metrics/2026-02-03/data.parquet";
  m.rows = 3;
  m.sample_weight = 12;
  m.bytes = 1234;
  m.sha256 = "ab";
  m.columns = {{"cpu", *RawColumn::parse("double1"), ColumnType::Double,
                WhenCondition{*RawColumn::parse("blob4"), "resource"}, false}};
  m.windows = {{1770076800, 1770080400, 3, 12, true}};
  m.source_rows = 3;
  m.verified = true;
  m.exported_at = "2026-02-05T12:00:00Z";
  m.aesync_version = "0.1.0";
  EXPECT_EQ(
      manifest_to_json(m),
      "{\n"
      "  \"partition\": \"2026-02-03\",\n"
      "  \"data_key\": \"machine_metrics/2026-02-03/data.parquet\",\n"
      "  \"rows\": 3,\n"
      "  \"sample_weight\": 12,\n"
      "  \"bytes\": 1234,\n"
      "  \"sha256\": \"ab\",\n"
      "  \"columns\": [\n"
      "    {\"name\": \"cpu\", \"type\": \"double\", \"from\": \"double1\", \"nullable\": true}\n"
      "  ],\n"
      "  \"windows\": [\n"
      "    {\"start\": \"2026-02-03T00:00:00Z\", \"end\": \"2026-02-03T01:00:00Z\", \"rows\": 3, \"sample_weight\": 12, \"verified\": true}\n"
      "  ],\n"
      "  \"source_rows\": 3,\n"
      "  \"verified\": true,\n"
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
