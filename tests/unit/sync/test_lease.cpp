// Partition leases over the local store (create-exclusive and compare-under-lock writes):
// acquisition, busy days, take-over of expired leases and of leases whose process is gone,
// renewal, loss, and release of one's own lease only.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "../support/temp_dir.h"
#include "storage/local_store.h"
#include "sync/lease.h"
#include "util/log.h"

using namespace aesync;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

constexpr const char* kKey = "mm/2026-02-03/_lease.json";
constexpr int64_t kT0 = 1'770'000'000;  // 2026-02-02T02:40:00Z

struct LeaseTest : ::testing::Test {
  void SetUp() override { log::set_level(log::Level::Error); }
  TempDir dir;
  LocalStore store{dir.path.string()};
  int64_t now = kT0;
  PartitionLease::Clock clock = [this] { return now; };
  PartitionLease::Alive none_alive = [](int64_t) { return false; };
  PartitionLease::Alive all_alive = [](int64_t) { return true; };

  LeaseInfo stored() { return parse_lease(*store.get(kKey), kKey); }
  void seed(const std::string& host, int64_t pid, int64_t expires_at) {
    LeaseInfo l{host + "/" + std::to_string(pid) + "/00c0ffee", host, pid, expires_at - 600, expires_at};
    store.put(kKey, lease_to_json(l));
  }
};

}  // namespace

TEST_F(LeaseTest, TheLeaseDocument) {
  const LeaseInfo l{"h/42/0a0b0c0d", "h", 42, kT0, kT0 + 600};
  EXPECT_EQ(lease_to_json(l),
            "{\"owner\":\"h/42/0a0b0c0d\",\"host\":\"h\",\"pid\":42,\"acquired_at\":\"2026-02-02T02:40:00Z\","
            "\"expires_at\":\"2026-02-02T02:50:00Z\"}\n");
  const LeaseInfo back = parse_lease(lease_to_json(l), "x");
  EXPECT_EQ(back.owner, l.owner);
  EXPECT_EQ(back.pid, 42);
  EXPECT_EQ(back.expires_at, kT0 + 600);
  try {
    parse_lease("{\"owner\":\"a\",\"host\":\"h\",\"pid\":1,\"acquired_at\":\"yesterday\",\"expires_at\":\"x\"}",
                "s3://b/k");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "s3://b/k: \"acquired_at\" is \"yesterday\", not an RFC 3339 UTC time");
  }
}

TEST_F(LeaseTest, AcquiredWhenAbsentBusyForASecondRun) {
  std::string holder;
  auto first = PartitionLease::acquire(store, kKey, holder, clock, all_alive);
  ASSERT_TRUE(first);
  const LeaseInfo l = stored();
  EXPECT_EQ(l.owner, first->info().owner);
  EXPECT_EQ(l.host, lease_host());
  EXPECT_EQ(l.pid, static_cast<int64_t>(::getpid()));
  EXPECT_EQ(l.owner.rfind(lease_host() + "/" + std::to_string(::getpid()) + "/", 0), 0u);
  EXPECT_EQ(l.acquired_at, kT0);
  EXPECT_EQ(l.expires_at, kT0 + PartitionLease::kTtlSeconds);

  // Another run (here: this process again, so its pid is its own and alive): busy.
  now += 10;
  auto second = PartitionLease::acquire(store, kKey, holder, clock, all_alive);
  EXPECT_FALSE(second);
  EXPECT_EQ(holder, l.owner + " (until 2026-02-02T02:50:00Z)");
  first->release();
  EXPECT_FALSE(store.get(kKey).has_value());
  EXPECT_TRUE(PartitionLease::acquire(store, kKey, holder, clock, all_alive));
}

TEST_F(LeaseTest, ALiveLeaseOfAnotherHostIsRespectedUntilItExpires) {
  seed("other-host", 7, kT0 + 300);
  std::string holder;
  EXPECT_FALSE(PartitionLease::acquire(store, kKey, holder, clock, none_alive));
  EXPECT_EQ(holder, "other-host/7/00c0ffee (until 2026-02-02T02:45:00Z)");
  now = kT0 + 300;  // expired
  auto lease = PartitionLease::acquire(store, kKey, holder, clock, none_alive);
  ASSERT_TRUE(lease);
  EXPECT_EQ(stored().owner, lease->info().owner);
}

TEST_F(LeaseTest, ALeaseOfADeadProcessOnThisHostIsTakenOverAtOnce) {
  seed(lease_host(), 999999, kT0 + 600);
  std::string holder;
  EXPECT_FALSE(PartitionLease::acquire(store, kKey, holder, clock, all_alive));
  auto lease = PartitionLease::acquire(store, kKey, holder, clock, none_alive);
  ASSERT_TRUE(lease);
  EXPECT_EQ(stored().pid, static_cast<int64_t>(::getpid()));
}

TEST_F(LeaseTest, AnUnreadableLeaseIsTakenOver) {
  store.put(kKey, "not json");
  std::string holder;
  EXPECT_TRUE(PartitionLease::acquire(store, kKey, holder, clock, all_alive));
}

TEST_F(LeaseTest, RenewedPastHalfItsTtlAndLostWhenTakenOver) {
  std::string holder;
  auto lease = PartitionLease::acquire(store, kKey, holder, clock, all_alive);
  ASSERT_TRUE(lease);
  const std::string before = *store.get(kKey);
  now = kT0 + 299;
  lease->renew_if_due();  // more than half left: nothing written
  EXPECT_EQ(*store.get(kKey), before);
  now = kT0 + 300;
  lease->renew_if_due();
  EXPECT_EQ(stored().expires_at, kT0 + 900);
  EXPECT_EQ(stored().acquired_at, kT0);

  // It expires (this run stalled), another run takes it over, and the renewal fails.
  now = kT0 + 900;
  auto other = PartitionLease::acquire(store, kKey, holder, clock, all_alive);
  ASSERT_TRUE(other);
  try {
    lease->renew_if_due();
    FAIL() << "the renewal succeeded";
  } catch (const LeaseLost& e) {
    EXPECT_EQ(std::string(e.what()), store.describe(kKey) + ": this run lost its lease to " + other->info().owner);
  }
  // The loser's release (and destructor) leaves the winner's lease alone.
  lease->release();
  lease.reset();
  EXPECT_EQ(stored().owner, other->info().owner);
}

TEST_F(LeaseTest, DestroyingReleasesOnlyOwnVersion) {
  std::string holder;
  {
    auto lease = PartitionLease::acquire(store, kKey, holder, clock, all_alive);
    ASSERT_TRUE(lease);
  }
  EXPECT_FALSE(store.get(kKey).has_value());
  {
    auto lease = PartitionLease::acquire(store, kKey, holder, clock, all_alive);
    seed("other-host", 7, kT0 + 600);  // replaced behind its back
  }
  EXPECT_EQ(stored().owner, "other-host/7/00c0ffee");
}

TEST(LocalStoreConditional, CreateOnlyAndReplaceOnlyTheVersionSeen) {
  TempDir dir;
  LocalStore store(dir.path.string());
  const auto v1 = store.put_if("a/b.json", "one", WriteCondition{true, ""});
  ASSERT_TRUE(v1);
  EXPECT_FALSE(store.put_if("a/b.json", "two", WriteCondition{true, ""}));
  EXPECT_EQ(*store.get("a/b.json"), "one");
  EXPECT_FALSE(store.put_if("a/b.json", "two", WriteCondition{false, "not-the-tag"}));
  const auto v2 = store.put_if("a/b.json", "two", WriteCondition{false, *v1});
  ASSERT_TRUE(v2);
  EXPECT_NE(*v1, *v2);
  EXPECT_EQ(store.get_versioned("a/b.json")->etag, *v2);
  EXPECT_EQ(store.get_versioned("a/b.json")->data, "two");
  EXPECT_FALSE(store.put_if("a/b.json", "three", WriteCondition{false, *v1}));
  EXPECT_FALSE(store.put_if("a/missing.json", "x", WriteCondition{false, *v2}));
  EXPECT_FALSE(store.get_versioned("a/missing.json").has_value());
  // No temporary files are left behind by the refused create.
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

namespace {

// Just enough of a store for the sweep: objects (leases) and pending multipart uploads.
class SweepStore final : public ObjectStore {
 public:
  std::map<std::string, std::string> objects;
  std::vector<PendingUpload> pending;
  std::vector<std::string> aborted;

  std::unique_ptr<ObjectUpload> begin_upload(const std::string&) override { throw std::logic_error("unused"); }
  std::optional<std::string> get(const std::string& key) override {
    auto it = objects.find(key);
    return it == objects.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::optional<ObjectInfo> head(const std::string&) override { return std::nullopt; }
  std::vector<ObjectInfo> list(const std::string&) override { return {}; }
  void remove(const std::string& key) override { objects.erase(key); }
  std::string describe(const std::string& key) const override { return "mem://" + key; }
  std::optional<VersionedObject> get_versioned(const std::string& key) override {
    auto v = get(key);
    return v ? std::optional<VersionedObject>(VersionedObject{*v, "e"}) : std::nullopt;
  }
  std::vector<PendingUpload> list_pending_uploads(const std::string& prefix) override {
    EXPECT_EQ(prefix, "mm/");
    return pending;
  }
  void abort_pending_upload(const PendingUpload& u) override { aborted.push_back(u.key + " " + u.upload_id); }
};

}  // namespace

TEST(AbandonedUploads, AbortedUnlessALiveRunHoldsTheirDay) {
  SweepStore store;
  auto lease = [&](const char* day, const std::string& host, int64_t pid, int64_t expires) {
    store.objects[std::string("mm/") + day + "/_lease.json"] =
        lease_to_json(LeaseInfo{host + "/" + std::to_string(pid) + "/1", host, pid, expires - 600, expires});
  };
  lease("2026-02-02", "other-host", 5, kT0 + 60);          // live: its upload is in use
  lease("2026-02-03", "other-host", 5, kT0 - 1);           // expired
  lease("2026-02-04", lease_host(), 999999, kT0 + 60);     // this host, process gone
  store.objects["mm/2026-02-06/_lease.json"] = "garbage";  // unreadable
  store.pending = {
      {"mm/2026-02-01/data.parquet", "u1", "t"},  // no lease at all
      {"mm/2026-02-02/data.parquet", "u2", "t"},
      {"mm/2026-02-03/data.parquet", "u3", "t"},
      {"mm/2026-02-04/data.parquet", "u4", "t"},
      {"mm/2026-02-04/data.parquet", "u5", "t"},
      {"mm/2026-02-06/data.parquet", "u6", "t"},
      {"mm/notes/big.bin", "u7", "t"},       // not the partition layout: not aesync's
      {"mm/2026-02-05/a/b.bin", "u8", "t"},  // neither
  };
  const size_t n = abort_abandoned_uploads(
      store, "mm", [] { return kT0; }, [](int64_t) { return false; });
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(store.aborted, (std::vector<std::string>{"mm/2026-02-01/data.parquet u1", "mm/2026-02-03/data.parquet u3",
                                                     "mm/2026-02-04/data.parquet u4", "mm/2026-02-04/data.parquet u5",
                                                     "mm/2026-02-06/data.parquet u6"}));
}

TEST(LocalStorePending, TemporaryFilesOfUnfinishedWritesAreItsPendingUploads) {
  TempDir dir;
  LocalStore store(dir.path.string());
  store.put("mm/2026-02-03/data.parquet", "old");
  // A killed run's writes: temporary files that never got renamed.
  fs::create_directories(dir.path / "mm/2026-02-03");
  fs::create_directories(dir.path / "mm/2026-02-04");
  for (const char* f : {"mm/2026-02-03/.data.parquet.tmp-4242-0", "mm/2026-02-04/._manifest.json.tmp-4242-1"})
    std::ofstream(dir.path / f) << "partial";
  const std::vector<PendingUpload> p = store.list_pending_uploads("mm/");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].key, "mm/2026-02-03/data.parquet");
  EXPECT_EQ(p[0].upload_id, "mm/2026-02-03/.data.parquet.tmp-4242-0");
  EXPECT_EQ(p[1].key, "mm/2026-02-04/_manifest.json");
  EXPECT_EQ(store.list_pending_uploads("mm/2026-02-04/").size(), 1u);
  EXPECT_EQ(store.abort_pending_uploads("mm/2026-02-03/"), 1u);
  EXPECT_FALSE(fs::exists(dir.path / "mm/2026-02-03/.data.parquet.tmp-4242-0"));
  EXPECT_EQ(*store.get("mm/2026-02-03/data.parquet"), "old");
  EXPECT_THROW(store.abort_pending_upload({"mm/2026-02-03/data.parquet", "mm/2026-02-03/data.parquet", ""}),
               StorageError);
  EXPECT_EQ(*store.get("mm/2026-02-03/data.parquet"), "old");
}
