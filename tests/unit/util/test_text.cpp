#include "util/text.h"

#include <gtest/gtest.h>

#include "util/log.h"

namespace aesync {
namespace {

TEST(ShownTest, KeepsPrintableUtf8AndEscapesControls) {
  EXPECT_EQ(shown("plain text é ✓"), "plain text é ✓");
  EXPECT_EQ(shown("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(shown(std::string_view("nul\0bell\x07 del\x7f", 14)), "nul\\u0000bell\\u0007 del\\u007F");
  EXPECT_EQ(shown("c1 \xC2\x85 nbsp \xC2\xA0"), "c1 \\u0085 nbsp \xC2\xA0");
}

TEST(ShownTest, EscapesEachByteOfIllFormedUtf8) {
  EXPECT_EQ(shown("a\xFF"
                  "b"),
            "a\\xFFb");
  EXPECT_EQ(shown("\xE2\x82"), "\\xE2\\x82");           // a truncated 3-byte sequence: one maximal subpart
  EXPECT_EQ(shown("\xED\xA0\x80"), "\\xED\\xA0\\x80");  // a surrogate
}

TEST(ShownTest, CutsAtACharacterBoundaryWithAnEllipsis) {
  EXPECT_EQ(shown("abcdef", 4), "abcd…");
  EXPECT_EQ(shown("abcdef", 6), "abcdef");
  EXPECT_EQ(shown("ab✓def", 4), "ab…");  // ✓ is 3 bytes and would end past the limit
  EXPECT_EQ(shown("abcdef", 0), "abcdef");
}

TEST(ShownTest, RedactsBeforeCutting) {
  log::add_secret("Sup3rSecretValue42");
  EXPECT_EQ(shown("token=Sup3rSecretValue42 end"), "token=*** end");
  EXPECT_EQ(shown("token=Sup3rSecretValue42", 12), "token=***");
}

TEST(TrimTest, RemovesAsciiWhiteSpaceAtBothEnds) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim(" \n "), "");
  EXPECT_EQ(trim("x"), "x");
}

}  // namespace
}  // namespace aesync
