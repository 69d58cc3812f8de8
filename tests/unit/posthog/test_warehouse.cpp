// The PostHog stage's logic that needs no network: settings checks, the URL pattern, the JSON
// request bodies, the --dry-run plan and the text quoted from PostHog's error answers.
#include "posthog/warehouse.h"

#include <gtest/gtest.h>

#include "posthog/client.h"
#include "util/error.h"
#include "util/log.h"

namespace aesync::posthog {
namespace {

Config r2_config() {
  Config c;
  c.file = "aesync.toml";
  c.destination.type = DestinationType::R2;
  c.destination.endpoint = "https://acct.r2.cloudflarestorage.com";
  c.destination.bucket = "metrics";
  c.destination.prefix = "machine_metrics";
  PostHogConfig p;
  p.project_id = "42";
  p.api_key = "phx_key";
  p.table = "machine_metrics";
  p.read_access_key_id = "AKIAREAD";
  p.read_secret_access_key = "read-secret";
  c.posthog = p;
  return c;
}

// The one warehouse table of a Config built in code (posthog.table under destination.prefix).
WarehouseTable only_table(const Config& c) {
  const std::vector<WarehouseTable> tables = warehouse_tables(c);
  EXPECT_EQ(tables.size(), 1u);
  return tables.at(0);
}

TEST(PostHogSettings, RequireAPostHogTableAndARemoteDestination) {
  Config c = r2_config();
  EXPECT_EQ(&settings_of(c), &*c.posthog);
  c.destination.type = DestinationType::Local;
  try {
    settings_of(c);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "posthog: destination.type = \"local\" in aesync.toml: PostHog reads the files from R2 or "
                 "S3, use an r2 or s3 destination");
  }
  c.posthog.reset();
  try {
    settings_of(c);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "posthog.* is not configured: add a [posthog] table to aesync.toml");
  }
}

TEST(PostHogWarehouse, UrlPatternMatchesTheDayFolderOnly) {
  Config c = r2_config();
  EXPECT_EQ(url_pattern(c, only_table(c)),
            "https://acct.r2.cloudflarestorage.com/metrics/machine_metrics/*/data.parquet");
  c.destination.prefix.clear();
  c.output.format = OutputFormat::Csv;
  c.output.compression = Compression::Gzip;
  EXPECT_EQ(url_pattern(c, only_table(c)), "https://acct.r2.cloudflarestorage.com/metrics/*/data.csv.gz");
  EXPECT_EQ(format_name(OutputFormat::Parquet), "Parquet");
  EXPECT_EQ(format_name(OutputFormat::Csv), "CSVWithNames");
}

// R2 buckets in the EU jurisdiction have their own endpoint host (<account>.eu.r2...): the
// pattern PostHog reads from is built on it as on any other.
TEST(PostHogWarehouse, UrlPatternOfAnEuJurisdictionR2Endpoint) {
  Config c = r2_config();
  c.destination.endpoint = "https://0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com";
  EXPECT_EQ(url_pattern(c, only_table(c)),
            "https://0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com/metrics/machine_metrics/*/"
            "data.parquet");
  EXPECT_EQ(table_body(c, only_table(c), kMask),
            "{\"name\":\"machine_metrics\",\"format\":\"Parquet\",\"url_pattern\":\"https://"
            "0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com/metrics/machine_metrics/*/data.parquet\","
            "\"credential\":{\"access_key\":\"AKIAREAD\",\"access_secret\":\"***\"}}");
}

TEST(PostHogWarehouse, RequestBodies) {
  Config c = r2_config();
  EXPECT_EQ(table_body(c, only_table(c), kMask),
            "{\"name\":\"machine_metrics\",\"format\":\"Parquet\",\"url_pattern\":\"https://acct.r2."
            "cloudflarestorage.com/metrics/machine_metrics/*/data.parquet\",\"credential\":{\"access_key\":"
            "\"AKIAREAD\",\"access_secret\":\"***\"}}");
  c.posthog->table = "m\"x";
  c.posthog->join_events_on = "properties.machine_id";
  EXPECT_EQ(view_link_body(only_table(c)),
            "{\"source_table_name\":\"events\",\"source_table_key\":\"properties.machine_id\","
            "\"joining_table_name\":\"m\\\"x\",\"joining_table_key\":\"machine_id\",\"field_name\":\"m\\\"x\"}");
  EXPECT_EQ(events_join(only_table(c)), "events.properties.machine_id = m\"x.machine_id");
}

TEST(PostHogWarehouse, LinkPlanMasksTheSecret) {
  Config c = r2_config();
  c.posthog->table = "m m";
  std::vector<PlannedRequest> plan = link_plan(c, warehouse_tables(c));
  ASSERT_EQ(plan.size(), 4u);
  const std::string tables = "/api/projects/42/warehouse_tables/";
  EXPECT_EQ(plan[0].method + " " + plan[0].path + " | " + plan[0].when,
            "GET " + tables + "?search=m%20m | find the table by name");
  EXPECT_EQ(plan[0].body, "");
  EXPECT_EQ(plan[1].method + " " + plan[1].path + " | " + plan[1].when,
            "POST " + tables + " | when no table named m m exists");
  EXPECT_EQ(plan[1].body, table_body(c, only_table(c), kMask));
  EXPECT_EQ(plan[2].method + " " + plan[2].path + " | " + plan[2].when,
            "PATCH " + tables + "<table id>/ | when it exists");
  EXPECT_EQ(plan[2].body, table_body(c, only_table(c), kMask));
  EXPECT_EQ(plan[3].method + " " + plan[3].path + " | " + plan[3].when,
            "POST " + tables + "<table id>/refresh_schema/ | ");
  for (const PlannedRequest& r : plan) EXPECT_EQ(r.body.find("read-secret"), std::string::npos);

  c.posthog->join_events_on = "distinct_id";
  plan = link_plan(c, warehouse_tables(c));
  ASSERT_EQ(plan.size(), 6u);
  EXPECT_EQ(plan[4].method + " " + plan[4].path + " | " + plan[4].when,
            "GET /api/projects/42/warehouse_view_links/ | find the saved join");
  EXPECT_EQ(plan[5].method + " " + plan[5].path + " | " + plan[5].when,
            "POST /api/projects/42/warehouse_view_links/ | when that saved join does not exist");
  EXPECT_EQ(plan[5].body, view_link_body(only_table(c)));
}

// Two [[tables]] as the loader reads them: each its own name, prefix (so URL pattern) and join.
constexpr std::string_view kTwoTables = R"(
[source]
type = "file"
path = "dump.jsonl"

[destination]
type = "r2"
bucket = "metrics"
endpoint = "https://acct.r2.cloudflarestorage.com"
access_key_id = "AKIAWRITE"
secret_access_key = "write-secret"

[posthog]
project_id = "42"
api_key = "phx_key"
read_access_key_id = "AKIAREAD"
read_secret_access_key = "read-secret"

[[tables]]
name = "metrics_resource"
where = { blob4 = "resource" }
join_events_on = "properties.machine_id"

[[tables]]
name = "metrics_startup"
prefix = "startup/v2"
where = { blob4 = "startup" }
)";

TEST(PostHogTables, EveryTableOfTheConfigWithItsOwnPrefixAndJoin) {
  const Config c = parse_config(kTwoTables, "two.toml");
  const std::vector<WarehouseTable> tables = warehouse_tables(c);
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].name, "metrics_resource");
  EXPECT_EQ(tables[0].prefix, "metrics_resource");
  EXPECT_EQ(tables[0].join_events_on, "properties.machine_id");
  EXPECT_EQ(tables[1].name, "metrics_startup");
  EXPECT_EQ(tables[1].prefix, "startup/v2");
  EXPECT_EQ(tables[1].join_events_on, "");
  EXPECT_EQ(url_pattern(c, tables[0]), "https://acct.r2.cloudflarestorage.com/metrics/metrics_resource/*/data.parquet");
  EXPECT_EQ(url_pattern(c, tables[1]), "https://acct.r2.cloudflarestorage.com/metrics/startup/v2/*/data.parquet");
  EXPECT_EQ(table_body(c, tables[1], kMask),
            "{\"name\":\"metrics_startup\",\"format\":\"Parquet\",\"url_pattern\":\"https://acct.r2."
            "cloudflarestorage.com/metrics/startup/v2/*/data.parquet\",\"credential\":{\"access_key\":"
            "\"AKIAREAD\",\"access_secret\":\"***\"}}");
  EXPECT_EQ(view_link_body(tables[0]),
            "{\"source_table_name\":\"events\",\"source_table_key\":\"properties.machine_id\","
            "\"joining_table_name\":\"metrics_resource\",\"joining_table_key\":\"machine_id\",\"field_name\":"
            "\"metrics_resource\"}");
  EXPECT_EQ(events_join(tables[0]), "events.properties.machine_id = metrics_resource.machine_id");
}

// A loaded config without [[tables]] has the one table it had before tables existed.
TEST(PostHogTables, AConfigWithoutTablesIsPosthogTableUnderDestinationPrefix) {
  std::string toml(kTwoTables.substr(0, kTwoTables.find("[[tables]]")));
  toml.replace(toml.find("[posthog]\n"), 10,
               "prefix = \"exports/mm\"\n\n[posthog]\ntable = \"mm\"\njoin_events_on = \"distinct_id\"\n");
  const Config c = parse_config(toml, "one.toml");
  const std::vector<WarehouseTable> tables = warehouse_tables(c);
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].name, "mm");
  EXPECT_EQ(tables[0].prefix, "exports/mm");
  EXPECT_EQ(tables[0].join_events_on, "distinct_id");
}

TEST(PostHogTables, SelectTablesByNameOrAll) {
  const std::vector<WarehouseTable> tables = warehouse_tables(parse_config(kTwoTables, "two.toml"));
  EXPECT_EQ(select_tables(tables, "").size(), 2u);
  const std::vector<WarehouseTable> one = select_tables(tables, "metrics_startup");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].prefix, "startup/v2");
  try {
    select_tables(tables, "metrics");
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "--table: no table named \"metrics\" in the config (its tables: metrics_resource, metrics_startup)");
  }
}

TEST(PostHogTables, LinkPlanTakesEachTableInTurn) {
  const Config c = parse_config(kTwoTables, "two.toml");
  const std::vector<WarehouseTable> tables = warehouse_tables(c);
  const std::vector<PlannedRequest> plan = link_plan(c, tables);
  std::vector<std::string> lines;
  for (const PlannedRequest& r : plan) lines.push_back(r.method + " " + r.path + " | " + r.when);
  const std::string t = "/api/projects/42/warehouse_tables/";
  const std::string l = "/api/projects/42/warehouse_view_links/";
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "GET " + t + "?search=metrics_resource | find the table by name",
                       "POST " + t + " | when no table named metrics_resource exists",
                       "PATCH " + t + "<table id>/ | when it exists",
                       "POST " + t + "<table id>/refresh_schema/ | ",
                       "GET " + l + " | find the saved join",
                       "POST " + l + " | when that saved join does not exist",
                       "GET " + t + "?search=metrics_startup | find the table by name",
                       "POST " + t + " | when no table named metrics_startup exists",
                       "PATCH " + t + "<table id>/ | when it exists",
                       "POST " + t + "<table id>/refresh_schema/ | ",
                   }));
  ASSERT_EQ(plan.size(), 10u);
  EXPECT_EQ(plan[1].body, table_body(c, tables[0], kMask));
  EXPECT_EQ(plan[2].body, table_body(c, tables[0], kMask));
  EXPECT_EQ(plan[3].body, "");
  EXPECT_EQ(plan[5].body, view_link_body(tables[0]));
  EXPECT_EQ(plan[7].body, table_body(c, tables[1], kMask));
  EXPECT_EQ(plan[8].body, table_body(c, tables[1], kMask));
  for (const PlannedRequest& r : plan) EXPECT_EQ(r.body.find("read-secret"), std::string::npos);
  // --table: that table's requests only.
  EXPECT_EQ(link_plan(c, select_tables(tables, "metrics_startup")).size(), 4u);
}

// An older PostHog without the refresh_schema action: no route (404) or no POST on it (405).
TEST(PostHogTables, RefreshUnsupportedIsA404OrA405) {
  EXPECT_TRUE(refresh_unsupported(404));
  EXPECT_TRUE(refresh_unsupported(405));
  for (long status : {400L, 401L, 403L, 429L, 500L, 502L}) EXPECT_FALSE(refresh_unsupported(status)) << status;
}

TEST(PostHogClient, ErrorTextIsTheDetailOrTheBodyShownOnOneLine) {
  EXPECT_EQ(
      error_text("{\"type\":\"validation_error\",\"detail\":\"  The Access Key you provided does not exist\\n\"}"),
      "The Access Key you provided does not exist");
  EXPECT_EQ(error_text("{\"detail\":\"line one\\nline two\"}"), "line one\\nline two");
  // Not DRF's format: the body as it came.
  EXPECT_EQ(error_text("\n<html>Bad\tGateway</html>\r\n"), "<html>Bad\\tGateway</html>");
  EXPECT_EQ(error_text("{\"detail\":42}"), "{\"detail\":42}");
  EXPECT_EQ(error_text(""), "");
  // At most 2000 bytes, then "…".
  EXPECT_EQ(error_text(std::string(2500, 'e')), std::string(2000, 'e') + "\xE2\x80\xA6");
  // A secret PostHog echoes is redacted before the cut.
  log::add_secret("phx_secret_key_for_tests_0001");
  EXPECT_EQ(error_text("{\"detail\":\"bad key phx_secret_key_for_tests_0001\"}"), "bad key ***");
  EXPECT_EQ(error_text(std::string(1990, 'e') + "phx_secret_key_for_tests_0001"), std::string(1990, 'e') + "***");
}

// DRF's `next`: an absolute URL on whatever host PostHog thinks it has; only its path and query
// are followed, and only within the same list.
TEST(PostHogClient, NextPageStaysOnTheListAndTheConfiguredHost) {
  const std::string links = "/api/projects/1/warehouse_view_links/";
  EXPECT_EQ(next_page_path("", links), std::nullopt);
  EXPECT_EQ(next_page_path("https://us.posthog.com/api/projects/1/warehouse_view_links/?limit=100&offset=100", links),
            links + "?limit=100&offset=100");
  // Behind a proxy PostHog may write http:// and its internal host: still the configured host.
  EXPECT_EQ(next_page_path("http://posthog-web:8000/api/projects/1/warehouse_view_links/?limit=100&offset=200", links),
            links + "?limit=100&offset=200");
  EXPECT_EQ(next_page_path("/api/projects/1/warehouse_view_links/?offset=100", links), links + "?offset=100");
  for (const char* bad :
       {"https://evil.example/api/projects/2/warehouse_view_links/?offset=100",
        "https://us.posthog.com/api/projects/1/warehouse_tables/?offset=100", "https://us.posthog.com", "offset=100"}) {
    try {
      next_page_path(bad, links);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()),
                "posthog: GET " + links + ": the next page " + bad + " is not a page of this list");
    }
  }
}

}  // namespace
}  // namespace aesync::posthog
