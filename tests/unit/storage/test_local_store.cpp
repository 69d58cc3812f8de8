#include <gtest/gtest.h>

#include <filesystem>

#include "../support/temp_dir.h"
#include "storage/file_output.h"
#include "storage/local_store.h"
#include "util/error.h"

using namespace aesync;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

}  // namespace

TEST(LocalStore, UploadAppearsOnlyAtCommit) {
  TempDir dir;
  LocalStore store(dir.path.string());
  store.put("p/2026-02-03/data.parquet", "old");
  auto up = store.begin_upload("p/2026-02-03/data.parquet");
  up->write("new bytes", 9);
  EXPECT_EQ(store.get("p/2026-02-03/data.parquet"), "old");
  EXPECT_EQ(dir.files(), 2u);              // the old object and the temporary file
  EXPECT_EQ(store.list("p/").size(), 1u);  // temporary files are never listed
  up->commit();
  EXPECT_EQ(store.get("p/2026-02-03/data.parquet"), "new bytes");
  EXPECT_EQ(dir.files(), 1u);
}

TEST(LocalStore, AbortedUploadLeavesOldObjectAndNoTemporaryFile) {
  TempDir dir;
  LocalStore store(dir.path.string());
  store.put("p/d/data.parquet", "old");
  {
    auto up = store.begin_upload("p/d/data.parquet");
    up->write("partial", 7);
  }  // destroyed without commit
  EXPECT_EQ(store.get("p/d/data.parquet"), "old");
  EXPECT_EQ(dir.files(), 1u);
}

TEST(LocalStore, ListsUnderPrefixOnlyInKeyOrder) {
  TempDir dir;
  LocalStore store(dir.path.string());
  store.put("machine_metrics/2026-02-04/data.parquet", "bb");
  store.put("machine_metrics/2026-02-03/data.parquet", "a");
  store.put("machine_metrics/2026-02-03/_manifest.json", "{}");
  store.put("machine_metrics_old/2026-02-03/data.parquet", "x");
  std::vector<std::string> keys;
  for (const ObjectInfo& o : store.list("machine_metrics/")) keys.push_back(o.key + ":" + std::to_string(o.size));
  EXPECT_EQ(keys, (std::vector<std::string>{"machine_metrics/2026-02-03/_manifest.json:2",
                                            "machine_metrics/2026-02-03/data.parquet:1",
                                            "machine_metrics/2026-02-04/data.parquet:2"}));
  store.remove("machine_metrics/2026-02-04/data.parquet");
  store.remove("machine_metrics/2026-02-04/data.parquet");  // missing: not an error
  EXPECT_FALSE(store.head("machine_metrics/2026-02-04/data.parquet"));
  EXPECT_FALSE(fs::exists(dir.path / "machine_metrics/2026-02-04"));
}

TEST(LocalStore, RejectsKeysThatEscapeTheRoot) {
  TempDir dir;
  LocalStore store(dir.path.string());
  for (const char* key : {"../x", "/abs", "a//b", "a/./b", "a/", ""}) {
    EXPECT_THROW(store.put(key, "x"), StorageError) << key;
  }
  try {
    store.get("p/../../etc/passwd");
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_STREQ(e.what(), "invalid object key \"p/../../etc/passwd\"");
  }
}

TEST(AtomicFile, TemporaryNames) {
  EXPECT_TRUE(AtomicFile::is_temporary_name(".data.parquet.tmp-12-0"));
  EXPECT_FALSE(AtomicFile::is_temporary_name("data.parquet"));
  EXPECT_FALSE(AtomicFile::is_temporary_name("_manifest.json"));
}
