// Issue 14's config niceties: a command reads only the sections it uses (ConfigNeeds), every
// error of a file in one run (ConfigErrors), `${VAR:-default}`, [destination]'s own retries and
// timeout, and the warning for credentials sent over plain http:// to a host that is not loopback.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/error.h"

namespace aesync {
namespace {

// An AE source whose token comes from a variable the tests leave unset.
constexpr const char* kAeSourceUnsetToken =
    "[source]\n"
    "type = \"analytics-engine\"\n"
    "account_id = \"acct\"\n"
    "api_token = \"${AESYNC_TEST_NEEDS_UNSET}\"\n";
constexpr const char* kS3Destination =
    "[destination]\n"
    "type = \"s3\"\n"
    "bucket = \"b\"\n"
    "endpoint = \"https://s3.example\"\n"
    "access_key_id = \"AKIA\"\n"
    "secret_access_key = \"${AESYNC_TEST_NEEDS_S3}\"\n";
constexpr const char* kPostHog =
    "[posthog]\n"
    "project_id = \"1\"\n"
    "api_key = \"${AESYNC_TEST_NEEDS_PH}\"\n"
    "table = \"metrics\"\n"
    "read_access_key_id = \"AKIAREAD\"\n"
    "read_secret_access_key = \"${AESYNC_TEST_NEEDS_S3}\"\n";

constexpr ConfigNeeds kConvert{.source = false, .destination = false, .sync = false, .posthog = false, .tables = false};
constexpr ConfigNeeds kPostHogCommands{.source = false, .sync = false};

std::vector<std::string> errors_of(const std::string& text, const ConfigNeeds& needs = {}) {
  try {
    parse_config(text, "t.toml", needs);
  } catch (const ConfigError& e) {
    return error_messages(e);
  }
  return {};
}

class ConfigNeedsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("AESYNC_TEST_NEEDS_UNSET");
    ::setenv("AESYNC_TEST_NEEDS_S3", "s3-secret", 1);
    ::setenv("AESYNC_TEST_NEEDS_PH", "phx-key", 1);
  }
  void TearDown() override {
    ::unsetenv("AESYNC_TEST_NEEDS_S3");
    ::unsetenv("AESYNC_TEST_NEEDS_PH");
    ::unsetenv("AESYNC_TEST_NEEDS_DEFAULT");
  }
};

TEST_F(ConfigNeedsTest, ConvertReadsOnlyOutputAndColumns) {
  const std::string text = std::string(kAeSourceUnsetToken) +
                           "[destination]\ntype = \"s3\"\nbucket = \"${AESYNC_TEST_NEEDS_UNSET}\"\n"
                           "[output]\nformat = \"csv\"\n[[columns]]\nname = \"m\"\nfrom = \"blob1\"\n";
  // The whole file: the unset token and the s3 destination's missing keys.
  EXPECT_EQ(errors_of(text).front(),
            "t.toml:4:13: source.api_token: environment variable AESYNC_TEST_NEEDS_UNSET is not set");
  const Config c = parse_config(text, "t.toml", kConvert);
  EXPECT_EQ(c.output.format, OutputFormat::Csv);
  ASSERT_EQ(c.schema.columns.size(), 1u);
  EXPECT_EQ(c.schema.columns[0].name, "m");
  EXPECT_TRUE(c.source.api_token.empty());
  EXPECT_EQ(c.destination.type, DestinationType::Local);  // left at its default
}

TEST_F(ConfigNeedsTest, UnknownKeysAreRefusedInSectionsNotRead) {
  EXPECT_EQ(
      errors_of(std::string(kAeSourceUnsetToken) + "api_tokn = \"x\"\n", kConvert),
      (std::vector<std::string>{"t.toml:5:1: unknown key \"source.api_tokn\" (did you mean \"source.api_token\"?)"}));
}

TEST_F(ConfigNeedsTest, CredentialsInAUrlAreRefusedInSectionsNotRead) {
  EXPECT_EQ(errors_of("[source]\napi_base = \"https://me:${AESYNC_TEST_NEEDS_UNSET}@h.example\"\n", kConvert),
            (std::vector<std::string>{"t.toml:2:12: source.api_base: \"https://***@h.example\" holds credentials "
                                      "(user:password@), which would show in messages and logs; put the token in "
                                      "source.api_token"}));
}

TEST_F(ConfigNeedsTest, PostHogCommandsDoNotNeedTheSourceToken) {
  const std::string text = std::string(kAeSourceUnsetToken) + kS3Destination + kPostHog;
  const Config c = parse_config(text, "t.toml", kPostHogCommands);
  ASSERT_TRUE(c.posthog);
  EXPECT_EQ(c.posthog->api_key, "phx-key");
  ASSERT_EQ(c.tables.size(), 1u);
  EXPECT_EQ(c.tables[0].name, "metrics");
  EXPECT_EQ(c.destination.secret_access_key, "s3-secret");
}

TEST_F(ConfigNeedsTest, WithoutTheSourceTablesStillKnowWhatTheyRead) {
  // status and prune: [source]'s type and table name the dataset; its password is not read.
  const std::string text =
      "[source]\ntype = \"clickhouse\"\nurl = \"${AESYNC_TEST_NEEDS_UNSET}\"\ntable = \"t1\"\n"
      "password = \"${AESYNC_TEST_NEEDS_UNSET}\"\ntimeout = \"7s\"\n";
  const Config c = parse_config(text, "t.toml", ConfigNeeds{.source = false, .posthog = false});
  EXPECT_EQ(c.source.type, SourceType::ClickHouse);
  ASSERT_EQ(c.tables.size(), 1u);
  EXPECT_EQ(c.tables[0].dataset, "t1");
  EXPECT_EQ(c.destination.timeout_seconds, 7);
  EXPECT_EQ(
      errors_of("[source]\ntype = \"clickhouse\"\ntable = \"a b\"\n", ConfigNeeds{.source = false}),
      (std::vector<std::string>{"t.toml:3:9: source.table: invalid name \"a b\" (expected [A-Za-z_][A-Za-z0-9_]*)"}));
}

TEST_F(ConfigNeedsTest, WithoutPostHogTheTableIsStillNamedFromIt) {
  // sync's needs: [posthog]'s credentials are not read, its table name is.
  ::unsetenv("AESYNC_TEST_NEEDS_PH");
  const std::string text = std::string("[source]\ntype = \"file\"\npath = \"in\"\n") + kS3Destination + kPostHog;
  EXPECT_EQ(errors_of(text).front(),
            "t.toml:12:11: posthog.api_key: environment variable AESYNC_TEST_NEEDS_PH is not set");
  const Config c = parse_config(text, "t.toml", ConfigNeeds{.posthog = false});
  ASSERT_EQ(c.tables.size(), 1u);
  EXPECT_EQ(c.tables[0].name, "metrics");
  EXPECT_TRUE(c.posthog->api_key.empty());
}

TEST_F(ConfigNeedsTest, EveryErrorIsReportedFirstOneFirst) {
  const std::string text =
      "[source]\ntype = \"file\"\npath = \"in\"\nwindow = \"2x\"\nmax_retries = 99\n"
      "[destination]\ntype = \"s3\"\nbucket = \"b\"\n"
      "[output]\nformat = \"xml\"\n"
      "[sync]\nlookback_days = 5\nretention_days = 3\n"
      "[bogus]\n";
  EXPECT_EQ(errors_of(text),
            (std::vector<std::string>{
                "t.toml:14:2: unknown key \"bogus\"",
                "t.toml:4:10: source.window: invalid duration \"2x\" (expected a whole number followed by s, m, h or "
                "d, e.g. \"90s\", \"5m\", \"6h\", \"1d\")",
                "t.toml:5:15: source.max_retries: 99 is out of range (expected 0..20)",
                "t.toml:6:1: destination.endpoint is required when destination.type = \"s3\"",
                "t.toml:6:1: destination.access_key_id is required when destination.type = \"s3\"",
                "t.toml:6:1: destination.secret_access_key is required when destination.type = \"s3\"",
                "t.toml:10:10: output.format: invalid value \"xml\" (expected parquet or csv)",
                "t.toml:12:17: sync.lookback_days (5) must be less than sync.retention_days (3)",
            }));
}

TEST_F(ConfigNeedsTest, AValueThatFailedIsNotAlsoReportedAsMissing) {
  // The bad account id and the misspelt token are each reported once: no "is required" on top.
  EXPECT_EQ(errors_of("[source]\ntype = \"analytics-engine\"\naccount_id = \"a/b\"\napi_tokn = \"t\"\n"),
            (std::vector<std::string>{
                "t.toml:4:1: unknown key \"source.api_tokn\" (did you mean \"source.api_token\"?)",
                "t.toml:3:14: source.account_id: invalid account id \"a/b\" (expected [A-Za-z0-9_-]+)"}));
}

TEST_F(ConfigNeedsTest, VariableDefaults) {
  const std::string text = "[source]\ntype = \"file\"\npath = \"${AESYNC_TEST_NEEDS_DEFAULT:-in-${x}.jsonl}\"\n";
  EXPECT_EQ(parse_config(text, "t.toml").source.path, "in-${x.jsonl}");  // the default ends at the first '}'
  EXPECT_EQ(parse_config("[source]\ntype = \"file\"\npath = \"${AESYNC_TEST_NEEDS_DEFAULT:-a.jsonl}\"\n", "t.toml")
                .source.path,
            "a.jsonl");
  ::setenv("AESYNC_TEST_NEEDS_DEFAULT", "", 1);  // empty counts as unset, as in the shell
  EXPECT_EQ(parse_config("[source]\ntype = \"file\"\npath = \"${AESYNC_TEST_NEEDS_DEFAULT:-a.jsonl}\"\n", "t.toml")
                .source.path,
            "a.jsonl");
  ::setenv("AESYNC_TEST_NEEDS_DEFAULT", "set.jsonl", 1);
  EXPECT_EQ(parse_config("[source]\ntype = \"file\"\npath = \"${AESYNC_TEST_NEEDS_DEFAULT:-a.jsonl}\"\n", "t.toml")
                .source.path,
            "set.jsonl");
  // `$${` stays a literal, default or not; an empty default is allowed.
  EXPECT_EQ(parse_config("[source]\ntype = \"file\"\npath = \"$${A:-b}/${AESYNC_TEST_NEEDS_UNSET:-}x\"\n", "t.toml")
                .source.path,
            "${A:-b}/x");
  EXPECT_EQ(errors_of("[source]\ntype = \"file\"\npath = \"${:-a}\"\n").front(),
            "t.toml:3:8: source.path: invalid environment variable name \"\" (expected [A-Za-z_][A-Za-z0-9_]*)");
}

TEST_F(ConfigNeedsTest, DestinationRetriesDefaultToTheSources) {
  const std::string source = "[source]\ntype = \"file\"\npath = \"in\"\ntimeout = \"30s\"\nmax_retries = 2\n";
  Config c = parse_config(source + kS3Destination, "t.toml");
  EXPECT_EQ(c.destination.timeout_seconds, 30);
  EXPECT_EQ(c.destination.max_retries, 2);
  c = parse_config(source + kS3Destination + "timeout = \"5m\"\nmax_retries = 9\n", "t.toml");
  EXPECT_EQ(c.destination.timeout_seconds, 300);
  EXPECT_EQ(c.destination.max_retries, 9);
  EXPECT_EQ(c.source.max_retries, 2);
  // Commands that do not read [source] still take its budget for the storage.
  c = parse_config(source + kS3Destination, "t.toml", ConfigNeeds{.source = false});
  EXPECT_EQ(c.destination.timeout_seconds, 30);
  EXPECT_EQ(c.destination.max_retries, 2);
  EXPECT_EQ(errors_of(source + kS3Destination + "max_retries = 21\n").front(),
            "t.toml:12:15: destination.max_retries: 21 is out of range (expected 0..20)");
}

TEST_F(ConfigNeedsTest, PlainHttpWithACredentialWarnsUnlessLoopback) {
  const std::string ae =
      "[source]\ntype = \"analytics-engine\"\naccount_id = \"a\"\napi_token = \"${AESYNC_TEST_NEEDS_PH}\"\n";
  EXPECT_EQ(parse_config(ae + "api_base = \"http://api.example:8080/client/v4\"\n", "t.toml").warnings,
            (std::vector<std::string>{"t.toml:5:12: source.api_base: plain http:// to \"api.example\" sends what "
                                      "source.api_token grants in clear over the network; use https://"}));
  for (const char* loopback : {"http://127.0.0.1:8080", "http://127.8.9.10", "http://localhost:1", "http://[::1]:80"})
    EXPECT_TRUE(parse_config(ae + "api_base = \"" + loopback + "\"\n", "t.toml").warnings.empty()) << loopback;
  EXPECT_TRUE(parse_config(ae + "api_base = \"https://api.example\"\n", "t.toml").warnings.empty());
  // 127.0.0.1.example.com is not loopback.
  EXPECT_EQ(parse_config(ae + "api_base = \"http://127.0.0.1.example.com\"\n", "t.toml").warnings.size(), 1u);

  const std::string dest = std::string(kS3Destination) + "endpoint = \"http://minio.lan:9000\"\n";
  std::string text = "[source]\ntype = \"file\"\npath = \"in\"\n" + dest;
  // endpoint appears twice: drop the first.
  text.erase(text.find("endpoint = \"https://s3.example\"\n"),
             std::string("endpoint = \"https://s3.example\"\n").size());
  EXPECT_EQ(parse_config(text, "t.toml").warnings,
            (std::vector<std::string>{"t.toml:9:12: destination.endpoint: plain http:// to \"minio.lan\" sends what "
                                      "destination.secret_access_key grants in clear over the network; use https://"}));
  EXPECT_EQ(parse_config(std::string("[source]\ntype = \"file\"\npath = \"in\"\n") + kPostHog +
                             "host = \"http://posthog.lan\"\n",
                         "t.toml")
                .warnings,
            (std::vector<std::string>{"t.toml:10:8: posthog.host: plain http:// to \"posthog.lan\" sends what "
                                      "posthog.api_key grants in clear over the network; use https://"}));
  // ClickHouse without a password: nothing to protect.
  EXPECT_TRUE(
      parse_config("[source]\ntype = \"clickhouse\"\nurl = \"http://ch.lan:8123\"\n", "t.toml").warnings.empty());
  EXPECT_EQ(
      parse_config(
          "[source]\ntype = \"clickhouse\"\nurl = \"http://ch.lan:8123\"\npassword = \"${AESYNC_TEST_NEEDS_PH}\"\n",
          "t.toml")
          .warnings.size(),
      1u);
}

TEST_F(ConfigNeedsTest, ALiteralSecretWarnsInSectionsNotReadToo) {
  // The warning is about the file: convert, which does not read [source] or [posthog], warns too.
  const std::string path = ::testing::TempDir() + "aesync_needs_literal.toml";
  std::ofstream(path) << "[source]\ntype = \"analytics-engine\"\naccount_id = \"a\"\napi_token = \"tok-literal\"\n"
                      << "[posthog]\nproject_id = \"1\"\napi_key = \"${AESYNC_TEST_NEEDS_UNSET:-phx-default}\"\n"
                      << "read_access_key_id = \"k\"\nread_secret_access_key = \"${AESYNC_TEST_NEEDS_UNSET}\"\n";
  ::chmod(path.c_str(), 0644);
  const std::string expected = path +
                               ": source.api_token, posthog.api_key are written in clear in a file that group or "
                               "others can read (mode 0644); use ${VAR} or <key>_file, or chmod 600 " +
                               path;
  EXPECT_EQ(load_config(path, kConvert).warnings, (std::vector<std::string>{expected}));
  ::setenv("AESYNC_TEST_NEEDS_UNSET", "set", 1);  // the default is not used: api_key is not literal
  EXPECT_EQ(load_config(path, kConvert).warnings,
            (std::vector<std::string>{path +
                                      ": source.api_token is written in clear in a file that group or others "
                                      "can read (mode 0644); use ${VAR} or <key>_file, or chmod 600 " +
                                      path}));
  EXPECT_EQ(load_config(path).warnings, load_config(path, kConvert).warnings);
  ::unsetenv("AESYNC_TEST_NEEDS_UNSET");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace aesync
