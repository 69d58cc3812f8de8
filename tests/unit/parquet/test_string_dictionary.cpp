#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parquet/string_dictionary.h"

using aesync::parquet::StringDictionary;

TEST(StringDictionary, IndicesInFirstSeenOrder) {
  StringDictionary d;
  EXPECT_EQ(d.insert("b"), 0u);
  EXPECT_EQ(d.insert("a"), 1u);
  EXPECT_EQ(d.insert("b"), 0u);
  EXPECT_EQ(d.insert(""), 2u);
  EXPECT_EQ(d.insert(""), 2u);
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.entry(0), "b");
  EXPECT_EQ(d.entry(2), "");
  EXPECT_EQ(d.plain_bytes(), (4u + 1) + (4 + 1) + (4 + 0));  // 4-byte length + bytes each
}

TEST(StringDictionary, DistinguishesPrefixesAndEmbeddedNul) {
  const std::string a_nul("a\0", 2), a_nul_again("a\0", 2);
  StringDictionary d;
  EXPECT_EQ(d.insert("abcdefgh"), 0u);
  EXPECT_EQ(d.insert("abcdefghi"), 1u);
  EXPECT_EQ(d.insert(a_nul), 2u);
  EXPECT_EQ(d.insert("a"), 3u);
  EXPECT_EQ(d.insert(a_nul_again), 2u);
}

TEST(StringDictionary, GrowsAndClearKeepsWorking) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back("key-" + std::to_string(i * 31));
  StringDictionary d;
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < keys.size(); ++i) ASSERT_EQ(d.insert(keys[i]), i);
    for (size_t i = 0; i < keys.size(); ++i) ASSERT_EQ(d.insert(keys[i]), i);
    EXPECT_EQ(d.size(), keys.size());
    d.clear();
    EXPECT_EQ(d.size(), 0u);
    EXPECT_EQ(d.plain_bytes(), 0u);
  }
}

TEST(StringDictionary, KeepsItsOwnCopyOfEachEntry) {
  StringDictionary d;
  std::string value = "org_001";
  EXPECT_EQ(d.insert(value), 0u);
  value = "org_002";  // the caller's buffer is reused, as a row batch is
  EXPECT_EQ(d.insert(value), 1u);
  EXPECT_EQ(d.entry(0), "org_001");
  EXPECT_EQ(d.insert("org_001"), 0u);
}

TEST(StringDictionary, EqualStringsHashEqually) {
  const std::string a = "some-machine-id-0123456789";
  const std::string b = a;  // different storage
  EXPECT_EQ(StringDictionary::hash(a), StringDictionary::hash(b));
  EXPECT_NE(StringDictionary::hash("a"), StringDictionary::hash("b"));
}
