// Config checks that keep hostile values away from SQL, URLs and messages: the length of SQL
// names, credentials written into URLs (refused, and masked in the refusal), and the
// redaction of such credentials even when another key fails first.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "config/config.h"
#include "util/error.h"
#include "util/log.h"

namespace aesync {
namespace {

constexpr const char* kAe = "[source]\naccount_id = \"a\"\napi_token = \"t\"\n";

std::string error_of(const std::string& text) {
  try {
    parse_config(text, "t.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(SecurityConfig, SqlNamesAreAtMost128Characters) {
  const std::string ae = kAe;
  EXPECT_EQ(parse_config(ae + "dataset = \"" + std::string(128, 'd') + "\"\n", "t.toml").source.dataset,
            std::string(128, 'd'));
  EXPECT_EQ(error_of(ae + "dataset = \"" + std::string(129, 'd') + "\"\n"),
            "t.toml:4:11: source.dataset: the name is 129 characters long (at most 128)");
  EXPECT_EQ(error_of(ae + "dataset = \"" + std::string(300, 'd') + "\"\n"),
            "t.toml:4:11: source.dataset: the name is 300 characters long (at most 128)");
  EXPECT_EQ(error_of(ae + "database = \"" + std::string(300, 'b') + "\"\n"),
            "t.toml:4:12: source.database: the name is 300 characters long (at most 128)");
  EXPECT_EQ(error_of(ae + "table = \"" + std::string(200, 't') + "\"\n"),
            "t.toml:4:9: source.table: the name is 200 characters long (at most 128)");
  EXPECT_EQ(error_of(ae + "[posthog]\ntable = \"" + std::string(129, 'p') + "\"\n"),
            "t.toml:5:9: posthog.table: the name is 129 characters long (at most 128)");
  // The character set is checked first: a long hostile name is reported as hostile.
  EXPECT_EQ(error_of(ae + "dataset = \"" + std::string(200, 'd') + ";\"\n"),
            "t.toml:4:11: source.dataset: invalid name \"" + std::string(200, 'd') +
                ";\" (expected [A-Za-z_][A-Za-z0-9_-]*)");
  EXPECT_EQ(error_of(ae + "dataset = \"a\\nb\"\n"), "t.toml:4:11: source.dataset: contains a control character");
  EXPECT_EQ(error_of(ae + "dataset = \"\"\n"),
            "t.toml:4:11: source.dataset is required when source.type = \"analytics-engine\" (it is empty)");
}

TEST(SecurityConfig, CredentialsInUrlsAreRefusedAndMasked) {
  const std::string ae = kAe;
  EXPECT_EQ(error_of(ae + "api_base = \"https://me:pw-0001-secret@api.example/client/v4\"\n"),
            "t.toml:4:12: source.api_base: \"https://***@api.example/client/v4\" holds credentials (user:password@), "
            "which would show in messages and logs; put the token in source.api_token");
  EXPECT_EQ(error_of("[source]\ntype = \"clickhouse\"\nurl = \"http://default:pw-0002-secret@127.0.0.1:8123\"\n"),
            "t.toml:3:7: source.url: \"http://***@127.0.0.1:8123\" holds credentials (user:password@), which would "
            "show in messages and logs; use source.user and source.password");
  EXPECT_EQ(error_of("[destination]\ntype = \"s3\"\nendpoint = \"https://AKIA@s3.example\"\n"),
            "t.toml:3:12: destination.endpoint: \"https://***@s3.example\" holds credentials (user:password@), which "
            "would show in messages and logs; use destination.access_key_id and destination.secret_access_key");
  EXPECT_EQ(error_of("[posthog]\nhost = \"https://u:p@us.posthog.com/\"\n"),
            "t.toml:2:8: posthog.host: \"https://***@us.posthog.com/\" holds credentials (user:password@), which "
            "would show in messages and logs; put the key in posthog.api_key");
  // Not an http(s) URL either: the credentials are still what is reported, masked.
  EXPECT_EQ(error_of(ae + "api_base = \"ftp://u:pw-0003-secret@h\"\n"),
            "t.toml:4:12: source.api_base: \"ftp://***@h\" holds credentials (user:password@), which would show in "
            "messages and logs; put the token in source.api_token");
  // An '@' after the host is not a credential.
  EXPECT_EQ(parse_config(ae + "api_base = \"https://h.example/a@b\"\n", "t.toml").source.api_base,
            "https://h.example/a@b");
}

TEST(SecurityConfig, CredentialsInUrlsAreSecretsEvenWhenAnotherKeyFailsFirst) {
  ::setenv("AESYNC_SEC_URL_PW", "pw-0004-from-env", 1);
  EXPECT_EQ(error_of("[source]\ntype = \"bogus\"\napi_base = \"https://me:${AESYNC_SEC_URL_PW}@h.example\"\n"
                     "[destination]\nendpoint = \"https://AKIA:pw-0005-literal@s3.example\"\n"),
            "t.toml:2:8: source.type: invalid value \"bogus\" (expected analytics-engine, clickhouse or file)");
  ::unsetenv("AESYNC_SEC_URL_PW");
  EXPECT_EQ(log::redact("pw-0004-from-env and pw-0005-literal"), "*** and ***");
  EXPECT_EQ(log::redact("https://me:pw-0004-from-env@h.example"), "https://***@h.example");
}

TEST(SecurityConfig, SecretsListsEverySecret) {
  const Config c = parse_config(
      "[source]\naccount_id = \"a\"\napi_token = \"tok-0006\"\n"
      "[destination]\ntype = \"s3\"\nbucket = \"b\"\nendpoint = \"https://s3.example\"\n"
      "access_key_id = \"AKIA0007\"\nsecret_access_key = \"sk-0008\"\n",
      "t.toml");
  EXPECT_EQ(c.secrets(), (std::vector<std::string>{"tok-0006", "AKIA0007", "sk-0008"}));
}

}  // namespace
}  // namespace aesync
