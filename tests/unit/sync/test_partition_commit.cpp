// commit_partition: the old manifest goes before the data object is replaced, so a manifest
// never describes a file that is not there; a failed data commit puts the old manifest back; a
// failed manifest write says the new data is in place.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "../support/temp_dir.h"
#include "config/config.h"
#include "schema/mapper.h"
#include "storage/local_store.h"
#include "sync/manifest.h"
#include "sync/partition_commit.h"
#include "sync/partition_writer.h"
#include "sync/table_route.h"
#include "util/error.h"
#include "util/log.h"

using namespace aesync;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

// An upload into the local store whose commit can be made to fail (as a CompleteMultipartUpload
// that keeps answering 500).
class FlakyUpload final : public ObjectUpload {
 public:
  FlakyUpload(std::unique_ptr<ObjectUpload> inner, bool fail) : inner_(std::move(inner)), fail_(fail) {}
  void write(const void* data, size_t size) override { inner_->write(data, size); }
  uint64_t bytes_written() const override { return inner_->bytes_written(); }
  void commit() override {
    if (fail_) throw StorageError("CompleteMultipartUpload s3://b/k: HTTP 500 InternalError");
    inner_->commit();
  }
  void abort() override { inner_->abort(); }

 private:
  std::unique_ptr<ObjectUpload> inner_;
  bool fail_;
};

// The local store, with manifest writes that can be made to fail.
class ManifestFailingStore final : public ObjectStore {
 public:
  explicit ManifestFailingStore(LocalStore& s) : s_(s) {}
  std::unique_ptr<ObjectUpload> begin_upload(const std::string& key) override {
    if (fail_manifests && key.ends_with("_manifest.json"))
      throw StorageError("PutObject " + key + ": HTTP 503 SlowDown");
    return s_.begin_upload(key);
  }
  std::optional<std::string> get(const std::string& key) override { return s_.get(key); }
  std::optional<ObjectInfo> head(const std::string& key) override { return s_.head(key); }
  std::vector<ObjectInfo> list(const std::string& prefix) override { return s_.list(prefix); }
  void remove(const std::string& key) override { s_.remove(key); }
  std::string describe(const std::string& key) const override { return s_.describe(key); }
  bool fail_manifests = false;

 private:
  LocalStore& s_;
};

constexpr const char* kData = "mm/2026-02-03/data.parquet";
constexpr const char* kManifest = "mm/2026-02-03/_manifest.json";

struct CommitTest : ::testing::Test {
  void SetUp() override {
    log::set_level(log::Level::Error);
    config = default_config();
    reads = dataset_reads(config);
    // The previous export: a data object and the manifest that describes it.
    store.put(kData, "previous parquet bytes");
    Manifest m;
    m.partition = "2026-02-03";
    m.data_key = kData;
    m.rows = 7;
    m.bytes = 22;
    m.sha256 = "abc";
    old_manifest = manifest_to_json(m);
    store.put(kManifest, old_manifest);
  }
  std::unique_ptr<PartitionWriter> writer(ObjectStore& s, bool fail_commit) {
    const DatasetRead& read = reads.front();
    std::vector<RawValue> values(read.layout.size());
    auto w = std::make_unique<PartitionWriter>(config.output, *read.tables.front(),
                                               std::make_unique<FlakyUpload>(s.begin_upload(kData), fail_commit));
    values[0].i = 1'770'076'800'000;  // 2026-02-03T00:00:00Z
    values[read.sample_interval_index].i = 1;
    w->append(RawRow{values.data(), values.size(), 1});
    return w;
  }
  static std::string new_manifest_json(const PartitionFile& f) {
    Manifest m;
    m.partition = "2026-02-03";
    m.data_key = kData;
    m.rows = f.rows;
    m.bytes = f.bytes;
    m.sha256 = f.sha256;
    return manifest_to_json(m);
  }

  TempDir dir;
  LocalStore store{dir.path.string()};
  Config config;
  std::vector<DatasetRead> reads;  // the one table of the default config
  std::string old_manifest;
};

}  // namespace

TEST_F(CommitTest, ReplacesDataThenManifest) {
  auto w = writer(store, false);
  const PartitionFile f = commit_partition(store, kManifest, *w, new_manifest_json);
  EXPECT_EQ(f.rows, 1u);
  EXPECT_EQ(*store.get(kManifest), new_manifest_json(f));
  EXPECT_EQ(store.head(kData)->size, f.bytes);
  EXPECT_EQ(store.get(kData)->substr(0, 4), "PAR1");
}

TEST_F(CommitTest, AFailedDataCommitPutsTheOldManifestBack) {
  auto w = writer(store, true);
  try {
    commit_partition(store, kManifest, *w, new_manifest_json);
    FAIL() << "the commit succeeded";
  } catch (const StorageError& e) {
    EXPECT_STREQ(e.what(), "CompleteMultipartUpload s3://b/k: HTTP 500 InternalError");
  }
  EXPECT_EQ(*store.get(kData), "previous parquet bytes");
  EXPECT_EQ(*store.get(kManifest), old_manifest);
}

TEST_F(CommitTest, AFailedManifestWriteLeavesNoStaleManifest) {
  ManifestFailingStore failing(store);
  auto w = writer(failing, false);
  failing.fail_manifests = true;
  try {
    commit_partition(failing, kManifest, *w, new_manifest_json);
    FAIL() << "the commit succeeded";
  } catch (const StorageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "PutObject mm/2026-02-03/_manifest.json: HTTP 503 SlowDown (the new data object is in "
              "place without a manifest; the next run exports the day again)");
  }
  EXPECT_EQ(store.get(kData)->substr(0, 4), "PAR1");  // the new file
  EXPECT_FALSE(store.get(kManifest).has_value());     // and no manifest describing the old one
}

TEST_F(CommitTest, AnEmptyDayDeletesManifestThenData) {
  commit_empty_partition(store, kManifest, kData, "{\"rows\":0}");
  EXPECT_FALSE(store.get(kData).has_value());
  EXPECT_EQ(*store.get(kManifest), "{\"rows\":0}");
}
