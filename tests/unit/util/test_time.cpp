#include <gtest/gtest.h>

#include "util/time.h"

using namespace aesync;

TEST(Time, ParsesAeTimestamps) {
  EXPECT_EQ(parse_timestamp_ms("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(parse_timestamp_ms("2023-11-08 19:52:46"), int64_t{1699473166} * 1000);
  EXPECT_EQ(parse_timestamp_ms("2023-11-08T19:52:46Z"), int64_t{1699473166} * 1000);
  EXPECT_EQ(parse_timestamp_ms("2023-11-08 19:52:46.125"), int64_t{1699473166} * 1000 + 125);
  EXPECT_EQ(parse_timestamp_ms("1969-12-31 23:59:59"), -1000);
  EXPECT_EQ(parse_timestamp_ms("2024-02-29 00:00:00"), int64_t{1709164800} * 1000);
}

TEST(Time, RejectsMalformedTimestamps) {
  for (const char* bad :
       {"", "2023-11-08", "2023-13-08 00:00:00", "2023-02-29 00:00:00", "2023-11-08 24:00:00",
        "2023-11-08 19:52:46+01:00", "2023-11-08 19:52", "2023/11/08 19:52:46", "2023-11-08 19:52:46."})
    EXPECT_FALSE(parse_timestamp_ms(bad).has_value()) << bad;
}

TEST(Time, DaysRoundTrip) {
  EXPECT_EQ(format_day(0), "1970-01-01");
  EXPECT_EQ(format_day(-1), "1969-12-31");
  EXPECT_EQ(parse_day("2026-02-05"), 20489);
  EXPECT_EQ(format_day(20489), "2026-02-05");
  EXPECT_FALSE(parse_day("2026-02-30").has_value());
  EXPECT_FALSE(parse_day("2026-2-5").has_value());
  EXPECT_EQ(day_of_ms(-1), -1);
  EXPECT_EQ(day_of_ms(kMillisPerDay), 1);
  EXPECT_EQ(day_of_ms(kMillisPerDay - 1), 0);
}

TEST(Time, Formats) {
  EXPECT_EQ(format_timestamp_ms(int64_t{1699473166} * 1000 + 7), "2023-11-08 19:52:46.007");
  EXPECT_EQ(format_rfc3339(1770292800), "2026-02-05T12:00:00Z");
}

TEST(Time, Durations) {
  EXPECT_EQ(parse_duration_seconds("90s"), 90);
  EXPECT_EQ(parse_duration_seconds("5m"), 300);
  EXPECT_EQ(parse_duration_seconds("6h"), 21600);
  EXPECT_EQ(parse_duration_seconds("1d"), 86400);
  for (const char* bad : {"", "s", "0s", "5", "5w", "-5m", "1.5h", "5 m"})
    EXPECT_FALSE(parse_duration_seconds(bad).has_value()) << bad;
}
