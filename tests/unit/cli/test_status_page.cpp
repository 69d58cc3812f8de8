// The daemon's status page (cli/status_page.h): the runs, the failures with their messages, and
// per table the chart (one bar per exported day of the retention period, its rows) and the days;
// every outside text escaped.
#include "cli/status_page.h"

#include <gtest/gtest.h>

#include "util/time.h"

namespace aesync::cli {
namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

PartitionEntry day_with(const char* day, uint64_t rows, bool verified, bool sampled) {
  PartitionEntry p;
  p.day = *parse_day(day);
  Manifest m;
  m.partition = day;
  m.rows = rows;
  m.bytes = 100 + rows;
  m.verified = verified;
  m.read_sampled = sampled;
  m.exported_at = "2026-05-15T12:00:00Z";
  m.schema_fingerprint = "aaaa";
  p.manifest = m;
  return p;
}

StatusPage page_of() {
  StatusPage page;
  page.now_seconds = *parse_day("2026-05-15") * 86400 + 3600;
  page.retention_days = 3;  // 2026-05-12 .. 2026-05-15
  page.refresh_seconds = 30;
  TableDays t;
  t.name = "machine_metrics";
  t.dataset = "machine_metrics";
  t.location = "s3://bucket/<x>/machine_metrics/";
  t.drift.fingerprint = "aaaa";
  t.parts.push_back(day_with("2026-05-10", 999, true, false));  // before the retention period: no bar
  t.parts.push_back(day_with("2026-05-12", 400, true, false));
  t.parts.push_back(day_with("2026-05-13", 800, false, true));
  PartitionEntry broken;
  broken.day = *parse_day("2026-05-14");
  broken.manifest_error = "k: not an aesync manifest: <b>";
  t.parts.push_back(broken);
  page.tables.push_back(t);
  RunRecord ok;
  ok.run = 1;
  ok.started_at = page.now_seconds - 600;
  ok.duration_ms = 65'000;
  ok.outcome = "ok";
  ok.partitions = 2;
  ok.rows = 1200;
  ok.bytes = 1400;
  RunRecord failed = ok;
  failed.run = 2;
  failed.outcome = "failed";
  failed.duration_ms = 850;
  failed.error = "1 partition(s) failed";
  PartitionOutcome p;
  p.day = "2026-05-15";
  p.table = "machine_metrics";
  p.status = PartitionStatus::Failed;
  p.error = "HTTP 503 <script>alert('x')</script> & more";
  failed.not_exported.push_back(p);
  RunRecord threw = ok;
  threw.run = 3;
  threw.outcome = "failed";
  threw.error = "cannot list \"s3://b/\"";
  page.runs = {threw, failed, ok};
  return page;
}

TEST(StatusPage, RunsFailuresChartAndDays) {
  const std::string h = render_status_page(page_of());
  EXPECT_EQ(h.rfind("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                    "<meta http-equiv=\"refresh\" content=\"30\">\n",
                    0),
            0u);
  // Self-contained: nothing fetched from elsewhere, no script.
  EXPECT_EQ(h.find("http://"), std::string::npos);
  EXPECT_EQ(h.find("https://"), std::string::npos);
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("<link"), std::string::npos);

  // Runs, newest first.
  EXPECT_NE(h.find("<tr class=\"run\" data-run=\"3\" data-outcome=\"failed\">"), std::string::npos);
  EXPECT_LT(h.find("data-run=\"3\""), h.find("data-run=\"1\""));
  EXPECT_NE(h.find("<td>#1</td><td>2026-05-15T00:50:00Z</td><td class=\"n\">1 m 05 s</td><td class=\"ok\">ok</td>"
                   "<td class=\"n\">2</td><td class=\"n\">1200</td><td class=\"n\">1400</td>"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("<td class=\"n\">850 ms</td>"), std::string::npos);

  // Failures: the partition's message, and the run's when no partition says more.
  EXPECT_EQ(count(h, "<tr class=\"failure\">"), 2u);
  EXPECT_NE(h.find("<td>#2</td><td>machine_metrics</td><td>2026-05-15</td><td>failed</td><td class=\"message\">"
                   "HTTP 503 &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more</td>"),
            std::string::npos);
  EXPECT_NE(h.find("<td>#3</td><td></td><td></td><td>failed</td><td class=\"message\">cannot list &quot;s3://b/&quot;"),
            std::string::npos);

  // The chart: 4 days of period (retention 3 + today), 2 bars (2026-05-10 is older, 2026-05-14
  // has no manifest), the tallest the full plot height (146); slots of 820 / 4 = 205 from x = 70,
  // each bar 80 % of its slot, centred.
  EXPECT_NE(h.find("<svg class=\"chart\" data-table=\"machine_metrics\" data-days=\"4\" data-max-rows=\"800\""),
            std::string::npos);
  EXPECT_EQ(count(h, "<rect "), 2u);
  EXPECT_NE(h.find("<rect class=\"bar\" data-day=\"2026-05-12\" data-rows=\"400\" x=\"90.50\" y=\"83.00\" "
                   "width=\"164.00\" height=\"73.00\"><title>2026-05-12: 400 rows</title></rect>"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("<rect class=\"bar sampled\" data-day=\"2026-05-13\" data-rows=\"800\" x=\"295.50\" y=\"10.00\" "
                   "width=\"164.00\" height=\"146.00\">"),
            std::string::npos);

  // The days, newest first, states and the broken manifest escaped.
  EXPECT_NE(h.find("<tr class=\"day\" data-day=\"2026-05-14\"><td>2026-05-14</td><td class=\"error\" colspan=\"5\">"
                   "k: not an aesync manifest: &lt;b&gt;</td></tr>"),
            std::string::npos);
  EXPECT_NE(h.find("<tr class=\"day\" data-day=\"2026-05-13\"><td>2026-05-13</td><td class=\"n rows\">800</td>"
                   "<td class=\"n bytes\">900</td><td>2026-05-15T12:00:00Z</td><td class=\"sampled state\">read-sampled"
                   "</td><td class=\"schema\">current</td></tr>"),
            std::string::npos);
  EXPECT_NE(h.find("<td class=\"ok state\">verified</td>"), std::string::npos);
  EXPECT_NE(h.find("<code class=\"location\">s3://bucket/&lt;x&gt;/machine_metrics/</code>"), std::string::npos);
  EXPECT_NE(h.find("<th>total</th><th class=\"n\">2199</th><th class=\"n\">2499</th><th colspan=\"3\">4 partitions"),
            std::string::npos);
}

TEST(StatusPage, OldSchemaDaysEmptyTablesAndNoRuns) {
  StatusPage page = page_of();
  page.runs.clear();
  page.tables[0].drift.old_days = {*parse_day("2026-05-12")};
  page.tables[0].drift.old_fingerprints = {"aaaa"};
  TableDays empty;
  empty.name = "t<2>";
  empty.location = "/data/t2/";
  page.tables.push_back(empty);
  TableDays unlisted;
  unlisted.name = "t3";
  unlisted.error = "S3 ListObjectsV2 t3/: HTTP 403 <AccessDenied>";
  page.tables.push_back(unlisted);
  const std::string h = render_status_page(page);
  EXPECT_NE(h.find("<p id=\"no-runs\">No run has finished yet.</p>"), std::string::npos);
  EXPECT_NE(h.find("<p id=\"no-failures\">None in the last runs.</p>"), std::string::npos);
  EXPECT_NE(h.find("<rect class=\"bar old\" data-day=\"2026-05-12\""), std::string::npos);
  EXPECT_NE(h.find("<td class=\"schema old\">old schema aaaa</td>"), std::string::npos);
  EXPECT_NE(h.find("1 day(s) with an old schema: re-export with <code>aesync sync --from 2026-05-12 --to "
                   "2026-05-12</code>"),
            std::string::npos);
  EXPECT_NE(h.find("<section class=\"table\" data-table=\"t&lt;2&gt;\">"), std::string::npos);
  EXPECT_NE(h.find("<p class=\"error empty\">no partitions under /data/t2/"), std::string::npos);
  EXPECT_NE(h.find("<p class=\"error listing\">cannot list the destination: S3 ListObjectsV2 t3/: HTTP 403 "
                   "&lt;AccessDenied&gt;</p>"),
            std::string::npos);
  EXPECT_EQ(h.find("<t<2>"), std::string::npos);
}

TEST(StatusPage, RunHistoryKeepsTheNewestTwenty) {
  RunHistory history;
  for (int i = 1; i <= 25; ++i) {
    RunRecord r;
    r.run = i;
    history.add(r);
  }
  const std::vector<RunRecord> runs = history.newest_first();
  ASSERT_EQ(runs.size(), RunHistory::kKept);
  EXPECT_EQ(runs.front().run, 25);
  EXPECT_EQ(runs.back().run, 6);
  EXPECT_EQ(history.count(), 25);
}

TEST(StatusPage, HtmlEscape) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace aesync::cli
