// The one redaction point (util/log.h) against the ways a secret can slip past a plain search:
// cut short by a message that quotes at most so many bytes ("...", "…", or the end of a
// value), and JSON-escaped ('"', '\') by the JSON log format.
#include <gtest/gtest.h>

#include <string>

#include "util/log.h"

namespace aesync::log {
namespace {

// Secrets are process-wide: every test registers its own.
class SecurityLog : public ::testing::Test {
 protected:
  void TearDown() override {
    set_format(Format::Text);
    set_level(Level::Info);
  }
  static std::string logged(Format format, std::string_view message, std::string_view error) {
    set_format(format);
    set_level(Level::Info);
    ::testing::internal::CaptureStderr();
    warn(message, {{"error", error}, {"rows", int64_t{3}}});
    return ::testing::internal::GetCapturedStderr();
  }
};

TEST_F(SecurityLog, WholeSecretsAreMasked) {
  add_secret("whole-secret-0001");
  EXPECT_EQ(redact("a whole-secret-0001 b whole-secret-0001"), "a *** b ***");
  // Too short to be told from ordinary words: never registered.
  add_secret("abc");
  EXPECT_EQ(redact("abc"), "abc");
}

TEST_F(SecurityLog, SecretsCutShortBeforeAnEllipsisAreMasked) {
  add_secret("cut-secret-0002-abcdef");
  EXPECT_EQ(redact("HTTP 400: yyy cut-secret-00..."), "HTTP 400: yyy ***...");
  EXPECT_EQ(redact("line 3: zzzcut-sec\xE2\x80\xA6"), "line 3: zzz***\xE2\x80\xA6");
  EXPECT_EQ(redact("a value ending in cut-se"), "a value ending in ***");
  // Six bytes are the least that is masked; five say nothing about the secret.
  EXPECT_EQ(redact("x cut-se..."), "x ***...");
  EXPECT_EQ(redact("x cut-s..."), "x cut-s...");
  // Only a cut: the same prefix followed by anything else is left alone.
  EXPECT_EQ(redact("cut-secret is a phrase"), "cut-secret is a phrase");
  // Several cuts, and a whole one beside them.
  EXPECT_EQ(redact("cut-secret-0002-abcdef; cut-secret... and cut-secret-0002-ab..."), "***; ***... and ***...");
}

TEST_F(SecurityLog, JsonLinesAreRedactedBeforeEscaping) {
  const std::string secret = "q\"uo\\te-secret-0003";
  add_secret(secret);
  const std::string json = logged(Format::Json, "failed for " + secret, "server said Bearer " + secret);
  EXPECT_EQ(json.find("secret-0003"), std::string::npos) << json;
  EXPECT_NE(json.find("\"msg\":\"failed for ***\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"error\":\"server said Bearer ***\",\"rows\":3}"), std::string::npos) << json;
  const std::string text = logged(Format::Text, "failed for " + secret, "server said Bearer " + secret);
  EXPECT_EQ(text, "warn: failed for *** error=server said Bearer *** rows=3\n");
}

TEST_F(SecurityLog, AFieldCutInsideASecretIsMasked) {
  add_secret("field-secret-0004-xyz");
  // Each field on its own: its end is where a quoting message cut it.
  EXPECT_EQ(logged(Format::Text, "retrying", "HTTP 500: field-secret-00"),
            "warn: retrying error=HTTP 500: *** rows=3\n");
  const std::string json = logged(Format::Json, "retrying", "HTTP 500: field-secret-00");
  EXPECT_NE(json.find("\"error\":\"HTTP 500: ***\""), std::string::npos) << json;
}

}  // namespace
}  // namespace aesync::log
