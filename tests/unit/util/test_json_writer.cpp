#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "util/json_writer.h"
#include "util/log.h"
#include "util/sha256.h"

using namespace aesync;

TEST(JsonWriter, EscapesStrings) { EXPECT_EQ(json::quote("a\"b\\c\nd\te\x01 é"), "\"a\\\"b\\\\c\\nd\\te\\u0001 é\""); }

TEST(JsonWriter, Doubles) {
  std::string s;
  json::append_double(s, 0.1);
  s += ' ';
  json::append_double(s, std::nan(""));
  s += ' ';
  json::append_double(s, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(s, "0.1 \"NaN\" \"-inf\"");
}

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(Sha256::hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Log, RedactsRegisteredSecrets) {
  log::add_secret("s3cr3t-token-value");
  log::add_secret("abc");  // too short to redact safely
  EXPECT_EQ(log::redact("Authorization: Bearer s3cr3t-token-value, again s3cr3t-token-value; abc"),
            "Authorization: Bearer ***, again ***; abc");
}
