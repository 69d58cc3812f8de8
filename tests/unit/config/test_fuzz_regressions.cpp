// Inputs found by fuzz/config.cpp that broke a property of the config parser, with the exact
// ConfigError they now give.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "util/error.h"

namespace aesync {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_config(text, "f.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

// Found 2026-11-25 (cfg-crash-b85722e98c3375dd231781ae9bc820a26971c2d4): toml++ quotes what it
// saw, here "t" and the line break after it, so the message held a raw newline (a broken log
// line). Messages now escape control characters.
TEST(ConfigFuzzRegressions, ControlCharactersInMessagesAreEscaped) {
  const std::string text =
      "souinatiocpmor3ssiont = 3\n"
      "sync = t\n"
      "ueoprsthog = 1979-05-27\n";
  EXPECT_EQ(error_of(text), "f.toml:2:9: Error while parsing boolean: expected 'true', saw 't\\n'");
  // A quoted key and a variable name may carry any control character too.
  EXPECT_EQ(error_of("\"a\\u0001\\tb\" = 1\n"), "f.toml:1:1: unknown key \"a\\u0001\\tb\"");
  EXPECT_EQ(error_of("[output]\nformat = \"${A\\u007f}\"\n"),
            "f.toml:2:10: output.format: invalid environment variable name \"A\\u007F\" "
            "(expected [A-Za-z_][A-Za-z0-9_]*)");
}

// Found 2026-11-25 (cfg-crash-62c0c1df0f643ecb08cefd6810b41db566e9f7c8): toml++ 3.3's test for
// non-ASCII whitespace reaches __builtin_unreachable() for U+FEEF (and every code point of
// U+00A1..U+0499, U+2C5E..U+3057, U+FB26..U+FEFE but U+3000) where it checks for whitespace:
// undefined behaviour (marzer/tomlplusplus#190, #295). parse_config refuses those code points
// there before toml++ sees the text.
TEST(ConfigFuzzRegressions, CodePointsTomlPlusPlusMishandlesAreRefusedFirst) {
  const std::string text =
      "[souc__r_ce]\n"
      "api_token = \xEF\xBB\xAF[\xEF\xBB\xBF[go_\xFF\xFF\xFF\n"
      "ile =0\"to`n\"\n";
  EXPECT_EQ(error_of(text), "f.toml:2:13: unexpected character U+FEEF outside a string");
  // Found next (cfg-crash-cebf3a4eea393904be45d63ba18f42efeb272761): a quote inside a bare value
  // (`0"to...`) opens no string for toml++, which goes on asking "whitespace?" of U+FEFB.
  EXPECT_EQ(error_of("[sou__e]\napi_ton_file =0\"to`````\xEF\xBB\xBB````````````"),
            "f.toml:2:24: unexpected character U+FEFB outside a string");
  // The smallest cases of the upstream reports: a value, a bare key, after a line-ending
  // backslash and after a backslash in a multi-line string.
  EXPECT_EQ(error_of("[output]\nformat = \xC2\xA7\n"), "f.toml:2:10: unexpected character U+00A7 outside a string");
  EXPECT_EQ(error_of("\xCC\xAA"), "f.toml:1:1: unexpected character U+032A outside a string");
  EXPECT_EQ(error_of("s = \"\"\"\\\n  \xC2\xA7\"\"\"\n"),
            "f.toml:2:3: character U+00A7 right after a backslash in a multi-line string is not supported");
  EXPECT_EQ(error_of("s = \"\"\"\\\xC2\xA7\"\"\"\n"),
            "f.toml:1:9: character U+00A7 right after a backslash in a multi-line string is not supported");
  // Inside strings and comments they are ordinary text.
  EXPECT_EQ(error_of("# \xC2\xA7 \xEF\xBB\xAF\n[source]\ntype = \"file\"\npath = \"\xC2\xA7.jsonl\"\n"
                     "user = '\xC2\xA7'\npassword = \"\"\"\\\\\xC2\xA7\"\"\"\n"
                     "[destination]\npath = '''\xC2\xA7'''\n"),
            "<no error>");
  const Config c = parse_config("[source]\ntype = \"file\"\npath = \"caf\xC3\xA9\xC2\xA7.jsonl\"\n", "f.toml");
  EXPECT_EQ(c.source.path, "caf\xC3\xA9\xC2\xA7.jsonl");
}

}  // namespace
}  // namespace aesync
