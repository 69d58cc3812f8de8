#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/error.h"

namespace aesync {
namespace {

namespace fs = std::filesystem;

// A valid [source] for tests about the other sections.
constexpr const char* kFileSource = "[source]\ntype = \"file\"\npath = \"in.jsonl\"\n";

std::string error_of(const std::string& text, const std::string& file = "t.toml") {
  try {
    parse_config(text, file);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

// Sets environment variables for one test and restores the previous state afterwards.
class ConfigTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& [name, old] : saved_) {
      if (old) {
        ::setenv(name.c_str(), old->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  void set_env(const std::string& name, const std::string& value) {
    remember(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void unset_env(const std::string& name) {
    remember(name);
    ::unsetenv(name.c_str());
  }

  // A fresh directory for this test's files.
  const fs::path& dir() {
    if (dir_.empty()) {
      const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
      dir_ = fs::path(::testing::TempDir()) /
             ("aesync_config_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
      fs::remove_all(dir_);
      fs::create_directories(dir_);
    }
    return dir_;
  }
  fs::path write(const std::string& name, const std::string& content,
                 fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
    const fs::path p = dir() / name;
    std::ofstream(p, std::ios::binary) << content;
    fs::permissions(p, perms);
    return p;
  }

  void set_spec_env() {
    set_env("CLOUDFLARE_ACCOUNT_ID", "acct123");
    set_env("CLOUDFLARE_ANALYTICS_API_TOKEN", "tok-ae");
    set_env("R2_ACCESS_KEY_ID", "AKID");
    set_env("R2_SECRET_ACCESS_KEY", "r2secret");
    set_env("POSTHOG_PROJECT_ID", "4242");
    set_env("POSTHOG_PERSONAL_API_KEY", "phx_key");
    set_env("R2_READ_ACCESS_KEY_ID", "RKID");
    set_env("R2_READ_SECRET_ACCESS_KEY", "r2readsecret");
  }

 private:
  void remember(const std::string& name) {
    for (const auto& s : saved_)
      if (s.first == name) return;
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
  }

  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
  fs::path dir_;
};

// A config setting every section and key (README's Configuration), with a machine_id column for the saved join.
constexpr const char* kFullExample = R"toml([source]
type = "analytics-engine"            # analytics-engine | clickhouse | file
dataset = "machine_metrics"
account_id = "${CLOUDFLARE_ACCOUNT_ID}"
api_token = "${CLOUDFLARE_ANALYTICS_API_TOKEN}"
api_base = "https://api.cloudflare.com/client/v4"   # default; URL = <api_base>/accounts/<id>/analytics_engine/sql
window = "1d"            # the longest window: a day is read in windows cut from its histogram
window_rows = 250000     # a window takes 5-minute buckets while its rows stay within this
settle = "5m"            # windows never reach past now - settle; the rest comes next run
timeout = "120s"         # per HTTP request
max_retries = 6
verify = true            # reconcile each window's row count (see 4)
# type = "clickhouse": url, user, password, database, table (ClickHouse HTTP interface)
# type = "file":       path = "dump.jsonl" ("-" = stdin); rows are routed to days by timestamp

[destination]
type = "r2"                          # r2 | s3 | local
bucket = "iterate-posthog-exports"
endpoint = "https://${CLOUDFLARE_ACCOUNT_ID}.r2.cloudflarestorage.com"
region = "auto"
access_key_id = "${R2_ACCESS_KEY_ID}"
secret_access_key = "${R2_SECRET_ACCESS_KEY}"
prefix = "machine_metrics"
# type = "local": path = "./exports"   (objects land at <path>/<prefix>/<day>/...)

[output]
format = "parquet"                   # parquet | csv
compression = "zstd"                 # parquet: zstd | snappy | gzip | none; csv: gzip | none
row_group_rows = 262144

[sync]
lookback_days = 1                    # every run re-exports today and the N previous days
retention_days = 90
every = "6h"                         # daemon schedule, aligned to 00:00 UTC
concurrency = 2                      # partitions exported at once

[posthog]                            # optional
host = "https://us.posthog.com"
project_id = "${POSTHOG_PROJECT_ID}"
api_key = "${POSTHOG_PERSONAL_API_KEY}"
table = "machine_metrics"
read_access_key_id = "${R2_READ_ACCESS_KEY_ID}"       # a read-only R2 token for PostHog
read_secret_access_key = "${R2_READ_SECRET_ACCESS_KEY}"
join_events_on = "properties.machine_id"              # optional saved join to events

[[columns]]                          # optional; absent = the built-in machine_metrics mapping
name = "machine_id"
from = "index1"
type = "string"

[[columns]]
name = "cpu_percent"                 # [a-z_][a-z0-9_]*, unique
from = "double1"                     # timestamp | _sample_interval | dataset | index1 | blobN | doubleN
type = "double"                      # string | double | int64 | timestamp
when = { blob4 = "resource" }        # optional: value only where the raw column equals this, else NULL
empty_as_null = false                # strings: "" becomes NULL
)toml";

TEST_F(ConfigTest, SpecExampleParses) {
  set_spec_env();
  const Config c = parse_config(kFullExample, "/etc/aesync/aesync.toml");
  EXPECT_EQ(c.file, "/etc/aesync/aesync.toml");
  EXPECT_EQ(c.source.type, SourceType::AnalyticsEngine);
  EXPECT_EQ(c.source.dataset, "machine_metrics");
  EXPECT_EQ(c.source.account_id, "acct123");
  EXPECT_EQ(c.source.api_token, "tok-ae");
  EXPECT_EQ(c.source.api_base, "https://api.cloudflare.com/client/v4");
  EXPECT_EQ(c.source.window_seconds, 86400);
  EXPECT_EQ(c.source.window_rows, 250000);
  EXPECT_EQ(c.source.settle_seconds, 300);
  EXPECT_EQ(c.source.timeout_seconds, 120);
  EXPECT_EQ(c.source.max_retries, 6);
  EXPECT_TRUE(c.source.verify);
  EXPECT_FALSE(c.source.insecure_skip_verify);

  EXPECT_EQ(c.destination.type, DestinationType::R2);
  EXPECT_EQ(c.destination.bucket, "iterate-posthog-exports");
  EXPECT_EQ(c.destination.endpoint, "https://acct123.r2.cloudflarestorage.com");
  EXPECT_EQ(c.destination.region, "auto");
  EXPECT_EQ(c.destination.access_key_id, "AKID");
  EXPECT_EQ(c.destination.secret_access_key, "r2secret");
  EXPECT_EQ(c.destination.prefix, "machine_metrics");
  EXPECT_FALSE(c.destination.insecure_skip_verify);

  EXPECT_EQ(c.output.format, OutputFormat::Parquet);
  EXPECT_EQ(c.output.compression, Compression::Zstd);
  EXPECT_EQ(c.output.row_group_rows, 262144);

  EXPECT_EQ(c.sync.lookback_days, 1);
  EXPECT_EQ(c.sync.retention_days, 90);
  EXPECT_EQ(c.sync.every_seconds, 6 * 3600);
  EXPECT_EQ(c.sync.concurrency, 2);

  ASSERT_TRUE(c.posthog.has_value());
  EXPECT_EQ(c.posthog->host, "https://us.posthog.com");
  EXPECT_EQ(c.posthog->project_id, "4242");
  EXPECT_EQ(c.posthog->api_key, "phx_key");
  EXPECT_EQ(c.posthog->table, "machine_metrics");
  EXPECT_EQ(c.posthog->read_access_key_id, "RKID");
  EXPECT_EQ(c.posthog->read_secret_access_key, "r2readsecret");
  EXPECT_EQ(c.posthog->join_events_on, "properties.machine_id");

  EXPECT_FALSE(c.builtin_schema);
  ASSERT_EQ(c.schema.columns.size(), 2u);
  const ColumnSpec& cpu = c.schema.columns[1];
  EXPECT_EQ(cpu.name, "cpu_percent");
  EXPECT_EQ(cpu.from, (RawColumn{RawColumn::Kind::Double, 1}));
  EXPECT_EQ(cpu.type, ColumnType::Double);
  ASSERT_TRUE(cpu.when.has_value());
  EXPECT_EQ(cpu.when->raw, (RawColumn{RawColumn::Kind::Blob, 4}));
  EXPECT_EQ(cpu.when->equals, "resource");
  EXPECT_FALSE(cpu.empty_as_null);
  EXPECT_TRUE(cpu.nullable());
  EXPECT_TRUE(c.warnings.empty());

  EXPECT_EQ(c.secrets(), (std::vector<std::string>{"tok-ae", "AKID", "r2secret", "phx_key", "RKID", "r2readsecret"}));
}

TEST_F(ConfigTest, DefaultsApplyToAMinimalFile) {
  const Config c = parse_config(kFileSource, "t.toml");
  EXPECT_EQ(c.source.type, SourceType::File);
  EXPECT_EQ(c.source.path, "in.jsonl");
  EXPECT_EQ(c.source.dataset, "machine_metrics");
  EXPECT_EQ(c.source.api_base, "https://api.cloudflare.com/client/v4");
  EXPECT_EQ(c.source.user, "default");
  EXPECT_EQ(c.source.database, "default");
  EXPECT_EQ(c.source.table, "machine_metrics");
  EXPECT_EQ(c.source.window_seconds, 86400);
  EXPECT_EQ(c.source.window_rows, 250000);
  EXPECT_EQ(c.source.settle_seconds, 300);
  EXPECT_EQ(c.source.timeout_seconds, 120);
  EXPECT_EQ(c.source.max_retries, 6);
  EXPECT_TRUE(c.source.verify);
  EXPECT_EQ(c.destination.type, DestinationType::Local);
  EXPECT_EQ(c.destination.path, "./exports");
  EXPECT_EQ(c.destination.prefix, "machine_metrics");
  EXPECT_EQ(c.destination.region, "auto");
  EXPECT_EQ(c.output.format, OutputFormat::Parquet);
  EXPECT_EQ(c.output.compression, Compression::Zstd);
  EXPECT_EQ(c.output.row_group_rows, 262144);
  EXPECT_EQ(c.sync.lookback_days, 1);
  EXPECT_EQ(c.sync.retention_days, 90);
  EXPECT_EQ(c.sync.every_seconds, 21600);
  EXPECT_EQ(c.sync.concurrency, 2);
  EXPECT_FALSE(c.posthog.has_value());
  EXPECT_TRUE(c.builtin_schema);
  ASSERT_EQ(c.schema.columns.size(), Schema::builtin_machine_metrics().columns.size());
  EXPECT_EQ(c.schema.columns[14].name, "time_to_ready_ms");
  EXPECT_TRUE(c.secrets().empty());
  EXPECT_TRUE(c.warnings.empty());
}

TEST_F(ConfigTest, DefaultConfigIsFileToLocalParquet) {
  const Config c = default_config();
  EXPECT_EQ(c.file, "");
  EXPECT_EQ(c.source.type, SourceType::File);
  EXPECT_EQ(c.source.path, "-");
  EXPECT_EQ(c.destination.type, DestinationType::Local);
  EXPECT_EQ(c.destination.path, "./exports");
  EXPECT_EQ(c.output.format, OutputFormat::Parquet);
  EXPECT_EQ(c.output.compression, Compression::Zstd);
  EXPECT_TRUE(c.builtin_schema);
  EXPECT_EQ(c.schema.columns.size(), 15u);
  EXPECT_FALSE(c.posthog.has_value());
}

TEST_F(ConfigTest, OtherTypesAndTheirKeys) {
  set_env("AESYNC_T_CH_PASSWORD", "chpw");
  set_env("AESYNC_T_SK", write("sk", "minio-secret\n").string());
  const Config c = parse_config(R"([source]
type = "clickhouse"
url = "http://localhost:8123/"
user = "reader"
password = "${AESYNC_T_CH_PASSWORD}"
database = "analytics"
table = "machine_metrics_v2"
window = "90s"
window_rows = 1000
settle = "0s"
timeout = "1m"
max_retries = 0
verify = false
insecure_skip_verify = true

[destination]
type = "s3"
bucket = "my.bucket-1"
endpoint = "http://127.0.0.1:9000"
access_key_id = "minio"
secret_access_key_file = "${AESYNC_T_SK}"
prefix = "a/b.c/d-e_f"
insecure_skip_verify = true

[output]
format = "csv"

[sync]
lookback_days = 0
retention_days = 1
every = "1d"
concurrency = 64
)",
                                "t.toml");
  EXPECT_EQ(c.source.type, SourceType::ClickHouse);
  EXPECT_EQ(c.source.url, "http://localhost:8123");
  EXPECT_EQ(c.source.user, "reader");
  EXPECT_EQ(c.source.password, "chpw");
  EXPECT_EQ(c.source.database, "analytics");
  EXPECT_EQ(c.source.table, "machine_metrics_v2");
  EXPECT_EQ(c.source.window_seconds, 90);
  EXPECT_EQ(c.source.window_rows, 1000);
  EXPECT_EQ(c.source.settle_seconds, 0);
  EXPECT_EQ(c.source.timeout_seconds, 60);
  EXPECT_EQ(c.source.max_retries, 0);
  EXPECT_FALSE(c.source.verify);
  EXPECT_TRUE(c.source.insecure_skip_verify);
  EXPECT_EQ(c.destination.type, DestinationType::S3);
  EXPECT_EQ(c.destination.bucket, "my.bucket-1");
  EXPECT_EQ(c.destination.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(c.destination.region, "us-east-1");  // s3's default
  EXPECT_EQ(c.destination.access_key_id, "minio");
  EXPECT_EQ(c.destination.secret_access_key, "minio-secret");
  EXPECT_EQ(c.destination.prefix, "a/b.c/d-e_f");
  EXPECT_EQ(c.output.format, OutputFormat::Csv);
  EXPECT_EQ(c.output.compression, Compression::None);  // csv's default
  EXPECT_EQ(c.sync.lookback_days, 0);
  EXPECT_EQ(c.sync.retention_days, 1);
  EXPECT_EQ(c.sync.every_seconds, 86400);
  EXPECT_EQ(c.sync.concurrency, 64);
  EXPECT_EQ(c.warnings, (std::vector<std::string>{"t.toml:14:24: source.insecure_skip_verify = true: TLS certificates "
                                                  "are not verified (use only for test endpoints)",
                                                  "t.toml:23:24: destination.insecure_skip_verify = true: TLS "
                                                  "certificates are not verified (use only for test endpoints)"}));
}

TEST_F(ConfigTest, EmptySecretFileIsAMissingRequiredKey) {
  EXPECT_EQ(error_of("[source]\ntype = \"file\"\npath = \"-\"\n[destination]\ntype = \"s3\"\nbucket = \"b\"\n"
                     "endpoint = \"http://h\"\naccess_key_id = \"k\"\nsecret_access_key_file = \"/dev/null\"\n"),
            "t.toml:9:26: destination.secret_access_key is required when destination.type = \"s3\" (it is empty)");
}

TEST_F(ConfigTest, CsvAndParquetCompressions) {
  const std::string csv = std::string(kFileSource) + "[output]\nformat = \"csv\"\ncompression = \"gzip\"\n";
  EXPECT_EQ(parse_config(csv, "t.toml").output.compression, Compression::Gzip);
  const std::string pq = std::string(kFileSource) + "[output]\ncompression = \"snappy\"\nrow_group_rows = 16777216\n";
  EXPECT_EQ(parse_config(pq, "t.toml").output.compression, Compression::Snappy);
  EXPECT_EQ(parse_config(pq, "t.toml").output.row_group_rows, 16777216);
  EXPECT_EQ(error_of(std::string(kFileSource) + "[output]\nformat = \"csv\"\ncompression = \"zstd\"\n"),
            "t.toml:6:15: output.compression: invalid value \"zstd\" for format \"csv\" (expected gzip or none)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[output]\ncompression = \"lz4\"\n"),
            "t.toml:5:15: output.compression: invalid value \"lz4\" for format \"parquet\" (expected zstd, snappy, "
            "gzip or none)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[output]\nformat = \"json\"\n"),
            "t.toml:5:10: output.format: invalid value \"json\" (expected parquet or csv)");
}

TEST_F(ConfigTest, UnknownKeysAreErrorsWithSuggestions) {
  EXPECT_EQ(error_of("[source]\ntype = \"file\"\npath = \"x\"\nwindwo = \"1h\"\n"),
            "t.toml:4:1: unknown key \"source.windwo\" (did you mean \"source.window\"?)");
  EXPECT_EQ(error_of("[source]\n  api_token_fiel = \"x\"\n"),
            "t.toml:2:3: unknown key \"source.api_token_fiel\" (did you mean \"source.api_token_file\"?)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[output]\nfancy = 1\n"), "t.toml:5:1: unknown key \"output.fancy\"");
  EXPECT_EQ(error_of("[sourc]\ntype = \"file\"\n"), "t.toml:1:2: unknown key \"sourc\" (did you mean \"source\"?)");
  EXPECT_EQ(error_of("[source.extra]\nx = 1\n"), "t.toml:1:9: unknown key \"source.extra\"");
  EXPECT_EQ(error_of("verbose = true\n"), "t.toml:1:1: unknown key \"verbose\"");
  // A typo is reported before a missing required key, and the first one in file order wins.
  EXPECT_EQ(error_of("[sync]\nconcurency = 2\n[source]\ntyp = \"file\"\n"),
            "t.toml:2:1: unknown key \"sync.concurency\" (did you mean \"sync.concurrency\"?)");
  EXPECT_EQ(
      error_of(std::string(kFileSource) + "[[columns]]\nname = \"a\"\nfrom = \"blob1\"\n[[columns]]\nnmae = \"b\"\n"),
      "t.toml:8:1: unknown key \"columns[2].nmae\" (did you mean \"columns[2].name\"?)");
  // A key of another type of the same section is accepted (and unused).
  EXPECT_EQ(parse_config(std::string(kFileSource) + "url = \"http://ch:8123\"\n", "t.toml").source.url,
            "http://ch:8123");
}

TEST_F(ConfigTest, WrongTypesNameTheKey) {
  EXPECT_EQ(error_of(std::string(kFileSource) + "max_retries = \"6\"\n"),
            "t.toml:4:15: source.max_retries: expected an integer, got a string");
  EXPECT_EQ(error_of(std::string(kFileSource) + "window_rows = 999\n"),
            "t.toml:4:15: source.window_rows: 999 is out of range (expected 1000..10000000)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "verify = 1\n"),
            "t.toml:4:10: source.verify: expected a boolean, got an integer");
  EXPECT_EQ(error_of(std::string(kFileSource) + "dataset = 1.5\n"),
            "t.toml:4:11: source.dataset: expected a string, got a float");
  EXPECT_EQ(error_of(std::string(kFileSource) + "user = [\"a\"]\n"),
            "t.toml:4:8: source.user: expected a string, got an array");
  EXPECT_EQ(error_of("source = \"x\"\n"), "t.toml:1:10: source: expected a table, got a string");
  EXPECT_EQ(
      error_of(std::string(kFileSource) + "[sync]\nevery = 3600\n"),
      "t.toml:5:9: sync.every: expected a duration string such as \"90s\", \"5m\", \"6h\" or \"1d\", got an integer");
}

TEST_F(ConfigTest, ColumnsMustBeAnArrayOfTables) {
  EXPECT_EQ(error_of("columns = 3\n" + std::string(kFileSource)),
            "t.toml:1:11: columns: expected an array of tables ([[columns]]), got an integer");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[columns]\nname = \"x\"\n"),
            "t.toml:4:1: columns: expected an array of tables ([[columns]]), got a table");
  EXPECT_EQ(error_of("columns = []\n" + std::string(kFileSource)),
            "t.toml:1:11: columns: at least one column is required (or leave [[columns]] out)");
  EXPECT_EQ(error_of("columns = [1]\n" + std::string(kFileSource)),
            "t.toml:1:12: columns[1]: expected a table, got an integer");
}

TEST_F(ConfigTest, DurationsAreValidated) {
  EXPECT_EQ(error_of(std::string(kFileSource) + "window = \"1hour\"\n"),
            "t.toml:4:10: source.window: invalid duration \"1hour\" (expected a whole number followed by s, m, h or d, "
            "e.g. \"90s\", \"5m\", \"6h\", \"1d\")");
  EXPECT_EQ(error_of(std::string(kFileSource) + "window = \"30s\"\n"),
            "t.toml:4:10: source.window: \"30s\" is out of range (expected 1m to 1d)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "window = \"2d\"\n"),
            "t.toml:4:10: source.window: \"2d\" is out of range (expected 1m to 1d)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "timeout = \"0s\"\n"),
            "t.toml:4:11: source.timeout: invalid duration \"0s\" (expected a whole number followed by s, m, h or d, "
            "e.g. \"90s\", \"5m\", \"6h\", \"1d\")");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[sync]\nevery = \"10s\"\n"),
            "t.toml:5:9: sync.every: \"10s\" is out of range (expected 1m to 1d)");
  EXPECT_EQ(parse_config(std::string(kFileSource) + "settle = \"00m\"\n", "t.toml").source.settle_seconds, 0);
}

TEST_F(ConfigTest, MaxRequestsPerMinute) {
  const std::string src = kFileSource;
  // Half of Cloudflare's 1200 requests per 5 minutes per user by default.
  EXPECT_EQ(parse_config(src, "t.toml").source.max_requests_per_minute, 120);
  EXPECT_EQ(parse_config(src + "max_requests_per_minute = 30\n", "t.toml").source.max_requests_per_minute, 30);
  EXPECT_EQ(parse_config(src + "max_requests_per_minute = 1\n", "t.toml").source.max_requests_per_minute, 1);
  EXPECT_EQ(parse_config(src + "max_requests_per_minute = 1200\n", "t.toml").source.max_requests_per_minute, 1200);
  EXPECT_EQ(error_of(src + "max_requests_per_minute = 0\n"),
            "t.toml:4:27: source.max_requests_per_minute: 0 is out of range (expected 1..1200)");
  EXPECT_EQ(error_of(src + "max_requests_per_minute = 1201\n"),
            "t.toml:4:27: source.max_requests_per_minute: 1201 is out of range (expected 1..1200)");
  EXPECT_EQ(error_of(src + "max_requests_per_minute = \"60\"\n"),
            "t.toml:4:27: source.max_requests_per_minute: expected an integer, got a string");
}

TEST_F(ConfigTest, RangesAreValidated) {
  const std::string src = kFileSource;
  EXPECT_EQ(error_of(src + "max_retries = 21\n"),
            "t.toml:4:15: source.max_retries: 21 is out of range (expected 0..20)");
  EXPECT_EQ(error_of(src + "[output]\nrow_group_rows = 0\n"),
            "t.toml:5:18: output.row_group_rows: 0 is out of range (expected 1..16777216)");
  EXPECT_EQ(error_of(src + "[sync]\nlookback_days = 91\n"),
            "t.toml:5:17: sync.lookback_days: 91 is out of range (expected 0..90)");
  EXPECT_EQ(error_of(src + "[sync]\nretention_days = 0\n"),
            "t.toml:5:18: sync.retention_days: 0 is out of range (expected 1..3650)");
  EXPECT_EQ(error_of(src + "[sync]\nconcurrency = 0\n"),
            "t.toml:5:15: sync.concurrency: 0 is out of range (expected 1..64)");
  EXPECT_EQ(error_of(src + "[sync]\nconcurrency = -1\n"),
            "t.toml:5:15: sync.concurrency: -1 is out of range (expected 1..64)");
  EXPECT_EQ(error_of(src + "[sync]\nlookback_days = 7\nretention_days = 7\n"),
            "t.toml:5:17: sync.lookback_days (7) must be less than sync.retention_days (7)");
}

TEST_F(ConfigTest, EnumerationsAreValidated) {
  EXPECT_EQ(
      error_of("[source]\ntype = \"analytic-engine\"\n"),
      "t.toml:2:8: source.type: invalid value \"analytic-engine\" (expected analytics-engine, clickhouse or file)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[destination]\ntype = \"gcs\"\n"),
            "t.toml:5:8: destination.type: invalid value \"gcs\" (expected r2, s3 or local)");
}

TEST_F(ConfigTest, EnvironmentVariablesExpandEverywhere) {
  set_env("AESYNC_T_ACCT", "abc");
  set_env("AESYNC_T_DOMAIN", "cloudflarestorage.com");
  set_env("AESYNC_T_PREFIX", "metrics");
  set_env("AESYNC_T_VALUE", "resource");
  const Config c = parse_config(std::string(kFileSource) + R"(
[destination]
type = "r2"
bucket = "b-${AESYNC_T_ACCT}"
endpoint = "https://${AESYNC_T_ACCT}.r2.${AESYNC_T_DOMAIN}/"
access_key_id = "${AESYNC_T_ACCT}${AESYNC_T_ACCT}"
secret_access_key = "x"
prefix = "${AESYNC_T_PREFIX}/v1"
path = "cost: $5, literal $${NOT_A_VAR} and ${AESYNC_T_ACCT}"

[[columns]]
name = "cpu"
from = "double1"
when = { blob4 = "${AESYNC_T_VALUE}" }
)",
                                "t.toml");
  EXPECT_EQ(c.destination.bucket, "b-abc");
  EXPECT_EQ(c.destination.endpoint, "https://abc.r2.cloudflarestorage.com");
  EXPECT_EQ(c.destination.access_key_id, "abcabc");
  EXPECT_EQ(c.destination.prefix, "metrics/v1");
  EXPECT_EQ(c.destination.path, "cost: $5, literal ${NOT_A_VAR} and abc");
  ASSERT_EQ(c.schema.columns.size(), 1u);
  EXPECT_EQ(c.schema.columns[0].when->equals, "resource");
}

TEST_F(ConfigTest, UnsetEnvironmentVariableIsAnError) {
  unset_env("CLOUDFLARE_ANALYTICS_API_TOKEN");
  EXPECT_EQ(error_of("[source]\naccount_id = \"acct\"\napi_token = \"${CLOUDFLARE_ANALYTICS_API_TOKEN}\"\n"),
            "t.toml:3:13: source.api_token: environment variable CLOUDFLARE_ANALYTICS_API_TOKEN is not set");
  unset_env("AESYNC_T_UNSET");
  set_env("AESYNC_T_SET", "x");
  EXPECT_EQ(error_of(std::string(kFileSource) + "user = \"${AESYNC_T_SET}-${AESYNC_T_UNSET}\"\n"),
            "t.toml:4:8: source.user: environment variable AESYNC_T_UNSET is not set");
  EXPECT_EQ(error_of(std::string(kFileSource) + "user = \"${AESYNC_T_SET\"\n"),
            "t.toml:4:8: source.user: unterminated \"${\" (write \"$${\" for a literal \"${\")");
  EXPECT_EQ(error_of(std::string(kFileSource) + "user = \"${A-B}\"\n"),
            "t.toml:4:8: source.user: invalid environment variable name \"A-B\" (expected [A-Za-z_][A-Za-z0-9_]*)");
}

TEST_F(ConfigTest, EmptyVariableOfARequiredKeyIsReportedAsMissing) {
  set_env("AESYNC_T_EMPTY", "");
  EXPECT_EQ(error_of("[source]\napi_token = \"t\"\naccount_id = \"${AESYNC_T_EMPTY}\"\n"),
            "t.toml:3:14: source.account_id is required when source.type = \"analytics-engine\" (it is empty)");
  // Not required for this type: the empty value is fine.
  EXPECT_EQ(parse_config(std::string(kFileSource) + "account_id = \"${AESYNC_T_EMPTY}\"\n", "t.toml").source.account_id,
            "");
}

TEST_F(ConfigTest, ControlCharactersAreRefused) {
  EXPECT_EQ(error_of("[source]\naccount_id = \"a\"\napi_token = \"abc\\ndef\"\n"),
            "t.toml:3:13: source.api_token: contains a control character");
}

// Messages quote values through shown() (util/text.h): ill-formed UTF-8 from a variable or a
// file name appears as \xNN escapes, well-formed text as is.
TEST_F(ConfigTest, IllFormedUtf8InMessagesIsShownAsBytes) {
  set_env("AESYNC_T_BAD", "a\xFF\xC3(caf\xC3\xA9");
  EXPECT_EQ(error_of(std::string(kFileSource) + "dataset = \"${AESYNC_T_BAD}\"\n"),
            "t.toml:4:11: source.dataset: invalid name \"a\\xFF\\xC3(caf\xC3\xA9\" (expected [A-Za-z_][A-Za-z0-9_-]*)");
  EXPECT_EQ(error_of("verbose = true\n", "b\xE2\x82.toml"), "b\\xE2\\x82.toml:1:1: unknown key \"verbose\"");
}

TEST_F(ConfigTest, SecretFilesAreReadRelativeToTheConfig) {
  write("token.txt", "s3cr3t\r\n");
  write("pw", "chpw\n\n");
  const fs::path cfg = write("aesync.toml",
                             "[source]\naccount_id = \"acct\"\napi_token_file = \"token.txt\"\n"
                             "password_file = \"" +
                                 (dir() / "pw").string() + "\"\n");
  const Config c = load_config(cfg.string());
  EXPECT_EQ(c.file, cfg.string());
  EXPECT_EQ(c.source.api_token, "s3cr3t");
  EXPECT_EQ(c.source.password, "chpw");
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.secrets(), (std::vector<std::string>{"s3cr3t", "chpw"}));

  // parse_config resolves against the folder of the name it is given.
  EXPECT_EQ(parse_config("[source]\naccount_id = \"a\"\napi_token_file = \"token.txt\"\n", (dir() / "x.toml").string())
                .source.api_token,
            "s3cr3t");

  // ${} applies to the path too.
  set_env("AESYNC_T_DIR", dir().string());
  EXPECT_EQ(parse_config("[posthog]\nproject_id = 7\napi_key_file = \"${AESYNC_T_DIR}/token.txt\"\n"
                         "read_access_key_id_file = \"${AESYNC_T_DIR}/pw\"\n"
                         "read_secret_access_key_file = \"${AESYNC_T_DIR}/pw\"\n" +
                             std::string(kFileSource),
                         "t.toml")
                .posthog->api_key,
            "s3cr3t");
}

TEST_F(ConfigTest, UnreadableSecretFileNamesKeyAndPath) {
  const std::string missing = (dir() / "nope.txt").string();
  EXPECT_EQ(error_of("[source]\naccount_id = \"a\"\napi_token_file = \"nope.txt\"\n", (dir() / "c.toml").string()),
            (dir() / "c.toml").string() + ":3:18: source.api_token_file: cannot read \"" + missing +
                "\": No such file or directory");
  EXPECT_EQ(error_of("[source]\naccount_id = \"a\"\napi_token_file = \"" + dir().string() + "\"\n"),
            "t.toml:3:18: source.api_token_file: cannot read \"" + dir().string() + "\": is a directory");
  EXPECT_EQ(error_of("[source]\naccount_id = \"a\"\napi_token_file = \"\"\n"),
            "t.toml:3:18: source.api_token_file: the path is empty");
}

TEST_F(ConfigTest, KeyAndKeyFileTogetherIsAnError) {
  EXPECT_EQ(error_of("[source]\naccount_id = \"a\"\napi_token = \"x\"\napi_token_file = \"t.txt\"\n"),
            "t.toml:4:18: source.api_token and source.api_token_file are both set; keep one");
}

TEST_F(ConfigTest, RequiredKeysDependOnType) {
  // Without [source] nothing is required (convert needs only [output] and [[columns]]).
  const Config no_source = parse_config("[output]\nrow_group_rows = 100\n", "t.toml");
  EXPECT_FALSE(no_source.has_source);
  EXPECT_EQ(no_source.output.row_group_rows, 100);
  EXPECT_EQ(error_of("\n[source]\naccount_id = \"a\"\n"),
            "t.toml:2:1: source.api_token is required when source.type = \"analytics-engine\"");
  EXPECT_EQ(error_of("[source]\naccount_id = \"a\"\napi_token = \"t\"\ndataset = \"\"\n"),
            "t.toml:4:11: source.dataset is required when source.type = \"analytics-engine\" (it is empty)");
  EXPECT_EQ(error_of("[source]\ntype = \"clickhouse\"\n"),
            "t.toml:1:1: source.url is required when source.type = \"clickhouse\"");
  EXPECT_EQ(error_of("[source]\ntype = \"file\"\n"), "t.toml:1:1: source.path is required when source.type = \"file\"");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[destination]\ntype = \"r2\"\nbucket = \"b\"\n"),
            "t.toml:4:1: destination.endpoint is required when destination.type = \"r2\"");
  EXPECT_EQ(
      error_of(std::string(kFileSource) + "[destination]\ntype = \"s3\"\nbucket = \"b\"\nendpoint = \"https://s3\"\n"
                                          "secret_access_key = \"s\"\n"),
      "t.toml:4:1: destination.access_key_id is required when destination.type = \"s3\"");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[destination]\ntype = \"r2\"\n"),
            "t.toml:4:1: destination.bucket is required when destination.type = \"r2\"");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[destination]\npath = \"\"\n"),
            "t.toml:5:8: destination.path is required when destination.type = \"local\" (it is empty)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[posthog]\nproject_id = 1\n"),
            "t.toml:4:1: posthog.api_key is required when [posthog] is present");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[posthog]\n"),
            "t.toml:4:1: posthog.project_id is required when [posthog] is present");
}

TEST_F(ConfigTest, IdentifiersThatReachSqlAreValidated) {
  const std::string ae = "[source]\naccount_id = \"a\"\napi_token = \"t\"\n";
  EXPECT_EQ(error_of(ae + "dataset = \"x; DROP\"\n"),
            "t.toml:4:11: source.dataset: invalid name \"x; DROP\" (expected [A-Za-z_][A-Za-z0-9_-]*)");
  EXPECT_EQ(error_of(ae + "dataset = \"a' OR '1\"\n"),
            "t.toml:4:11: source.dataset: invalid name \"a' OR '1\" (expected [A-Za-z_][A-Za-z0-9_-]*)");
  EXPECT_EQ(error_of(ae + "dataset = \"1abc\"\n"),
            "t.toml:4:11: source.dataset: invalid name \"1abc\" (expected [A-Za-z_][A-Za-z0-9_-]*)");
  EXPECT_EQ(parse_config(ae + "dataset = \"my-dataset_2\"\n", "t.toml").source.dataset, "my-dataset_2");
  EXPECT_EQ(error_of(ae + "table = \"a' OR '1\"\n"),
            "t.toml:4:9: source.table: invalid name \"a' OR '1\" (expected [A-Za-z_][A-Za-z0-9_]*)");
  EXPECT_EQ(error_of(ae + "database = \"db.x\"\n"),
            "t.toml:4:12: source.database: invalid name \"db.x\" (expected [A-Za-z_][A-Za-z0-9_]*)");
  EXPECT_EQ(error_of(ae + "table = \"t-1\"\n"),
            "t.toml:4:9: source.table: invalid name \"t-1\" (expected [A-Za-z_][A-Za-z0-9_]*)");
  EXPECT_EQ(error_of("[source]\naccount_id = \"a/../b\"\napi_token = \"t\"\n"),
            "t.toml:2:14: source.account_id: invalid account id \"a/../b\" (expected [A-Za-z0-9_-]+)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[posthog]\nproject_id = \"12/x\"\n"),
            "t.toml:5:14: posthog.project_id: invalid project id \"12/x\" (expected digits)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[posthog]\ntable = \"x y\"\n"),
            "t.toml:5:9: posthog.table: invalid name \"x y\" (expected [A-Za-z_][A-Za-z0-9_]*)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[destination]\nbucket = \"a/b\"\n"),
            "t.toml:5:10: destination.bucket: invalid bucket name \"a/b\" (expected [A-Za-z0-9._-]+)");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[posthog]\njoin_events_on = \"properties.x; --\"\n"),
            "t.toml:5:18: posthog.join_events_on: invalid field \"properties.x; --\" (expected a path such as "
            "properties.machine_id)");
}

TEST_F(ConfigTest, UrlsMustBeHttp) {
  EXPECT_EQ(error_of(std::string(kFileSource) + "api_base = \"ftp://x\"\n"),
            "t.toml:4:12: source.api_base: expected an http:// or https:// URL, got \"ftp://x\"");
  EXPECT_EQ(error_of(std::string(kFileSource) + "[posthog]\nhost = \"https://\"\n"),
            "t.toml:5:8: posthog.host: expected an http:// or https:// URL, got \"https://\"");
}

TEST_F(ConfigTest, PrefixIsValidated) {
  const std::string head = std::string(kFileSource) + "[destination]\nprefix = ";
  EXPECT_EQ(error_of(head + "\"\"\n"), "t.toml:5:10: destination.prefix: invalid prefix \"\": must not be empty");
  EXPECT_EQ(error_of(head + "\"/a\"\n"),
            "t.toml:5:10: destination.prefix: invalid prefix \"/a\": must not start or end with '/'");
  EXPECT_EQ(error_of(head + "\"a/\"\n"),
            "t.toml:5:10: destination.prefix: invalid prefix \"a/\": must not start or end with '/'");
  EXPECT_EQ(error_of(head + "\"a//b\"\n"),
            "t.toml:5:10: destination.prefix: invalid prefix \"a//b\": must not contain \"//\" or \"..\"");
  EXPECT_EQ(error_of(head + "\"a/../b\"\n"),
            "t.toml:5:10: destination.prefix: invalid prefix \"a/../b\": must not contain \"//\" or \"..\"");
  EXPECT_EQ(error_of(head + "\"a/./b\"\n"),
            "t.toml:5:10: destination.prefix: invalid prefix \"a/./b\": must not contain a \".\" segment");
  EXPECT_EQ(error_of(head + "\"a b\"\n"),
            "t.toml:5:10: destination.prefix: invalid prefix \"a b\": may contain only A-Z a-z 0-9 . _ - /");
}

TEST_F(ConfigTest, ColumnsBuildTheSchema) {
  const Config c = parse_config(std::string(kFileSource) + R"(
[[columns]]
name = "ts"
from = "timestamp"
type = "timestamp"

[[columns]]
name = "cpu"
from = "double1"
type = "double"
when = { blob4 = "resource" }

[[columns]]
name = "process"
from = "blob5"
empty_as_null = true

[[columns]]
name = "weight"
from = "_sample_interval"

[[columns]]
name = "count"
from = "double3"
type = "int64"

[[columns]]
name = "where_from"
from = "dataset"
type = "string"
[columns.when]
index1 = "m1"
)",
                                "t.toml");
  EXPECT_FALSE(c.builtin_schema);
  using K = RawColumn::Kind;
  ASSERT_EQ(c.schema.columns.size(), 6u);
  const auto& cols = c.schema.columns;
  EXPECT_EQ(cols[0].name, "ts");
  EXPECT_EQ(cols[0].from, (RawColumn{K::Timestamp, 0}));
  EXPECT_EQ(cols[0].type, ColumnType::Timestamp);
  EXPECT_FALSE(cols[0].nullable());
  EXPECT_EQ(cols[1].name, "cpu");
  EXPECT_EQ(cols[1].type, ColumnType::Double);
  ASSERT_TRUE(cols[1].when.has_value());
  EXPECT_EQ(cols[1].when->raw, (RawColumn{K::Blob, 4}));
  EXPECT_EQ(cols[1].when->equals, "resource");
  EXPECT_TRUE(cols[1].nullable());
  EXPECT_EQ(cols[2].name, "process");
  EXPECT_EQ(cols[2].from, (RawColumn{K::Blob, 5}));
  EXPECT_EQ(cols[2].type, ColumnType::String);  // inferred from blob5
  EXPECT_TRUE(cols[2].empty_as_null);
  EXPECT_TRUE(cols[2].nullable());
  EXPECT_EQ(cols[3].name, "weight");
  EXPECT_EQ(cols[3].type, ColumnType::Int64);  // inferred from _sample_interval
  EXPECT_FALSE(cols[3].nullable());
  EXPECT_EQ(cols[4].type, ColumnType::Int64);
  EXPECT_EQ(cols[4].from, (RawColumn{K::Double, 3}));
  EXPECT_EQ(cols[5].from, (RawColumn{K::Dataset, 0}));
  ASSERT_TRUE(cols[5].when.has_value());
  EXPECT_EQ(cols[5].when->raw, (RawColumn{K::Index, 1}));
  EXPECT_EQ(cols[5].when->equals, "m1");
  EXPECT_EQ(c.schema.raw_columns(), (std::vector<RawColumn>{{K::Timestamp, 0},
                                                            {K::Double, 1},
                                                            {K::Blob, 4},
                                                            {K::Blob, 5},
                                                            {K::SampleInterval, 0},
                                                            {K::Double, 3},
                                                            {K::Dataset, 0},
                                                            {K::Index, 1}}));
}

TEST_F(ConfigTest, ColumnErrorsNameTheColumn) {
  const std::string head = std::string(kFileSource) + "[[columns]]\nname = \"a\"\nfrom = \"blob1\"\n[[columns]]\n";
  // Lines: 4 [[columns]], 5 name, 6 from, 7 [[columns]], 8.. the column under test.
  EXPECT_EQ(error_of(head + "name = \"CPU\"\nfrom = \"double1\"\n"),
            "t.toml:8:8: columns[2].name: invalid column name \"CPU\" (expected [a-z_][a-z0-9_]*)");
  EXPECT_EQ(
      error_of(head + "name = \"cpu\"\nfrom = \"blob21\"\n"),
      "t.toml:9:8: columns[2].from: unknown raw column \"blob21\" (expected timestamp, _sample_interval, dataset, "
      "index1, blob1..blob20 or double1..double20)");
  EXPECT_EQ(error_of(head + "name = \"cpu\"\nfrom = \"blob4\"\ntype = \"double\"\n"),
            "t.toml:10:8: columns[2] \"cpu\": type double cannot be made from blob4 (a string column)");
  EXPECT_EQ(error_of(head + "name = \"t\"\nfrom = \"double1\"\ntype = \"timestamp\"\n"),
            "t.toml:10:8: columns[2] \"t\": type timestamp cannot be made from double1 (a double column)");
  EXPECT_EQ(error_of(head + "name = \"s\"\nfrom = \"_sample_interval\"\ntype = \"string\"\n"),
            "t.toml:10:8: columns[2] \"s\": type string cannot be made from _sample_interval (an integer column)");
  EXPECT_EQ(error_of(head + "name = \"x\"\nfrom = \"timestamp\"\ntype = \"double\"\n"),
            "t.toml:10:8: columns[2] \"x\": type double cannot be made from timestamp (the timestamp column)");
  EXPECT_EQ(error_of(head + "name = \"cpu\"\nfrom = \"double1\"\ntype = \"float\"\n"),
            "t.toml:10:8: columns[2].type: invalid value \"float\" (expected string, double, int64 or timestamp)");
  EXPECT_EQ(error_of(head + "name = \"cpu\"\n"), "t.toml:7:1: columns[2].from is required");
  EXPECT_EQ(error_of(head + "from = \"double1\"\n"), "t.toml:7:1: columns[2].name is required");
  EXPECT_EQ(error_of(head + "name = \"cpu\"\nfrom = \"double1\"\nwhen = { double2 = \"x\" }\n"),
            "t.toml:10:10: columns[2].when: \"double2\" is not a raw string column (expected dataset, index1 or "
            "blob1..blob20)");
  EXPECT_EQ(error_of(head + "name = \"cpu\"\nfrom = \"double1\"\nwhen = { blob4 = \"a\", blob5 = \"b\" }\n"),
            "t.toml:10:8: columns[2].when: expected exactly one condition such as { blob4 = \"resource\" }, got 2");
  EXPECT_EQ(error_of(head + "name = \"cpu\"\nfrom = \"double1\"\nwhen = {}\n"),
            "t.toml:10:8: columns[2].when: expected exactly one condition such as { blob4 = \"resource\" }, got 0");
  EXPECT_EQ(error_of(head + "name = \"cpu\"\nfrom = \"double1\"\nwhen = { blob4 = 1 }\n"),
            "t.toml:10:18: columns[2].when.blob4: expected a string, got an integer");
  EXPECT_EQ(error_of(head + "name = \"cpu\"\nfrom = \"double1\"\nwhen = \"blob4 = resource\"\n"),
            "t.toml:10:8: columns[2].when: expected a table such as { blob4 = \"resource\" }, got a string");
  EXPECT_EQ(error_of(head + "name = \"cpu\"\nfrom = \"double1\"\nempty_as_null = true\n"),
            "t.toml:10:17: columns[2] \"cpu\": empty_as_null applies only to string columns, not double");
  EXPECT_EQ(error_of(head + "name = \"cpu\"\nfrom = \"blob2\"\nempty_as_null = \"yes\"\n"),
            "t.toml:10:17: columns[2].empty_as_null: expected a boolean, got a string");
  // empty_as_null = false on a non-string column is harmless.
  EXPECT_FALSE(parse_config(head + "name = \"cpu\"\nfrom = \"double1\"\nempty_as_null = false\n", "t.toml")
                   .schema.columns[1]
                   .empty_as_null);
}

TEST_F(ConfigTest, DuplicateColumnNamesNameBothColumns) {
  EXPECT_EQ(error_of(std::string(kFileSource) + "[[columns]]\nname = \"cpu\"\nfrom = \"double1\"\n"
                                                "[[columns]]\nname = \"mem\"\nfrom = \"double2\"\n"
                                                "[[columns]]\nname = \"cpu\"\nfrom = \"double3\"\n"),
            "t.toml:11:8: columns[3].name: duplicate column name \"cpu\" (also columns[1] at line 5)");
}

TEST_F(ConfigTest, SavedJoinNeedsMachineIdColumn) {
  EXPECT_EQ(
      error_of(
          std::string(kFileSource) +
          "[posthog]\nproject_id = 1\napi_key = \"k\"\nread_access_key_id = \"r\"\nread_secret_access_key = \"s\"\n"
          "join_events_on = \"properties.machine_id\"\n"
          "[[columns]]\nname = \"cpu\"\nfrom = \"double1\"\n"),
      "t.toml:9:18: posthog.join_events_on: the saved join needs a column named machine_id, which [[columns]] does "
      "not define");
}

TEST_F(ConfigTest, ProjectIdMayBeAnInteger) {
  const Config c = parse_config(std::string(kFileSource) +
                                    "[posthog]\nproject_id = 4242\napi_key = \"k\"\nread_access_key_id = \"r\"\n"
                                    "read_secret_access_key = \"s\"\n",
                                "t.toml");
  ASSERT_TRUE(c.posthog.has_value());
  EXPECT_EQ(c.posthog->project_id, "4242");
  EXPECT_EQ(c.posthog->host, "https://us.posthog.com");
  EXPECT_EQ(c.posthog->table, "machine_metrics");
  EXPECT_EQ(c.posthog->join_events_on, "");
  EXPECT_EQ(c.secrets(), (std::vector<std::string>{"k", "r", "s"}));
  EXPECT_EQ(error_of(std::string(kFileSource) + "[posthog]\nproject_id = 1.0\n"),
            "t.toml:5:14: posthog.project_id: expected a string or an integer, got a float");
}

TEST_F(ConfigTest, SecretsAreDeduplicated) {
  const Config c = parse_config(
      "[source]\naccount_id = \"a\"\napi_token = \"same\"\npassword = \"same\"\n"
      "[destination]\ntype = \"r2\"\nbucket = \"b\"\nendpoint = \"https://e\"\naccess_key_id = \"id\"\n"
      "secret_access_key = \"sk\"\n",
      "t.toml");
  EXPECT_EQ(c.secrets(), (std::vector<std::string>{"same", "id", "sk"}));
}

TEST_F(ConfigTest, LoadConfigErrors) {
  const std::string missing = (dir() / "absent.toml").string();
  try {
    load_config(missing);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "config file " + missing + " not found");
    EXPECT_EQ(e.exit_code(), 2);
  }
  const fs::path bad = write("bad.toml", "a = 1\nb = \n");
  try {
    load_config(bad.string());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              bad.string() + ":2:5: Error while parsing key-value pair: expected value, saw '\\n'");
  }
  EXPECT_EQ(error_of("[source]\n[source]\n"),
            "t.toml:2:1: Error while parsing table header: cannot redefine existing table 'source'");
}

TEST_F(ConfigTest, LiteralSecretInAReadableFileWarns) {
  const std::string text =
      "[source]\naccount_id = \"a\"\napi_token = \"tok\"\n[posthog]\nproject_id = 1\n"
      "api_key = \"pk-${AESYNC_T_SUFFIX}\"\nread_access_key_id = \"r\"\n"
      "read_secret_access_key = \"${AESYNC_T_SUFFIX}\"\n";
  set_env("AESYNC_T_SUFFIX", "x");
  const fs::perms rw_r_r =
      fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
  const fs::path open = write("open.toml", text, rw_r_r);
  EXPECT_EQ(
      load_config(open.string()).warnings,
      (std::vector<std::string>{open.string() +
                                ": source.api_token, posthog.api_key are written in clear in a file that group or "
                                "others can read (mode 0644); use ${VAR} or <key>_file, or chmod 600 " +
                                open.string()}));
  const fs::path closed = write("closed.toml", text);
  EXPECT_TRUE(load_config(closed.string()).warnings.empty());
  // Only variables: nothing to warn about, whatever the mode.
  const fs::path vars =
      write("vars.toml", "[source]\naccount_id = \"a\"\napi_token = \"${AESYNC_T_SUFFIX}\"\n", rw_r_r);
  EXPECT_TRUE(load_config(vars.string()).warnings.empty());
}

TEST_F(ConfigTest, BundledDemoConfigLoads) {
  const fs::path demo = fs::path(AESYNC_TEST_DATA).parent_path().parent_path() / "examples" / "demo.toml";
  const Config c = load_config(demo.string());
  EXPECT_EQ(c.source.type, SourceType::File);
  EXPECT_EQ(c.source.path, "examples/sample-machine-metrics.jsonl");
  EXPECT_EQ(c.destination.type, DestinationType::Local);
  EXPECT_EQ(c.destination.path, "./exports");
  EXPECT_EQ(c.output.compression, Compression::Zstd);
  EXPECT_TRUE(c.builtin_schema);
  EXPECT_TRUE(c.warnings.empty());
}

TEST_F(ConfigTest, BundledProductionExampleLoads) {
  const fs::path example = fs::path(AESYNC_TEST_DATA).parent_path().parent_path() / "examples" / "aesync.toml";
  for (const char* name :
       {"CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_ANALYTICS_API_TOKEN", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY",
        "POSTHOG_PROJECT_ID", "POSTHOG_PERSONAL_API_KEY", "R2_READ_ACCESS_KEY_ID", "R2_READ_SECRET_ACCESS_KEY"})
    ::setenv(name, name[0] == 'P' && name[8] == 'P' ? "12345" : "value-of-secret", 1);
  ::setenv("CLOUDFLARE_ACCOUNT_ID", "0123abcd", 1);
  const Config c = load_config(example.string());
  EXPECT_EQ(c.source.type, SourceType::AnalyticsEngine);
  EXPECT_EQ(c.destination.endpoint, "https://0123abcd.r2.cloudflarestorage.com");
  EXPECT_EQ(c.destination.region, "auto");
  ASSERT_TRUE(c.posthog.has_value());
  EXPECT_EQ(c.posthog->project_id, "12345");
  EXPECT_EQ(c.posthog->join_events_on, "properties.machine_id");
  EXPECT_TRUE(c.warnings.empty());
}

}  // namespace
}  // namespace aesync
