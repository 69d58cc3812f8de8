// prune and status read only the partition layout: `<prefix>/<YYYY-MM-DD>/<name>` where name is
// one aesync writes there (data.parquet, data.csv, data.csv.gz, _manifest.json, _lease.json).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "storage/local_store.h"
#include "sync/partition_index.h"
#include "util/time.h"

namespace aesync {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

TEST(SecurityPartitionIndex, OnlyTheNamesAesyncWritesBelongToADay) {
  for (const char* name : {"data.parquet", "data.csv", "data.csv.gz", "_manifest.json", "_lease.json"}) {
    EXPECT_TRUE(is_layout_name(name)) << name;
    EXPECT_EQ(PartitionLayout("p").day_of_key(std::string("p/2026-01-01/") + name), *parse_day("2026-01-01")) << name;
  }
  for (const char* name :
       {"notes.txt", "data.parquet.bak", "DATA.PARQUET", " data.parquet", "data.parquet ", "_manifest.json.tmp",
        "_lease.json.old", "data.csv.gz.1", "..", ".", "", "a%2Fb", "..%2F..%2Fetc%2Fpasswd", "sub/data.parquet",
        "../data.parquet", "data.parquet\xE2\x80\x8B", "d\xC3\xA4t\xC3\xA4.parquet", "data.json", "_aesync_check"}) {
    EXPECT_FALSE(is_layout_name(name)) << name;
    EXPECT_EQ(PartitionLayout("p").day_of_key(std::string("p/2026-01-01/") + name), std::nullopt) << name;
  }
  for (const char* key : {"p/../etc/x", "p/./2026-01-01/data.parquet", "p//2026-01-01/data.parquet",
                          "p/2026-01-01/../2026-01-01/data.parquet", "p/2026-01-01%2Fdata.parquet",
                          "p/2026-13-45/data.parquet", "p/20260101/data.parquet", "p/ 2026-01-01/data.parquet",
                          "p/2026\xE2\x80\x90"
                          "01\xE2\x80\x90"
                          "01/data.parquet",
                          "p\\2026-01-01\\data.parquet", "p2/2026-01-01/data.parquet", "P/2026-01-01/data.parquet"})
    EXPECT_EQ(PartitionLayout("p").day_of_key(key), std::nullopt) << key;
}

TEST(SecurityPartitionIndex, PruneDeletesTheOldDaysLayoutKeysAndLeavesEverythingElse) {
  const fs::path root = fs::temp_directory_path() / ("aesync-sec-prune-" + std::to_string(::getpid()));
  fs::remove_all(root);
  LocalStore store(root.string());
  const Strings old_layout = {"p/2026-01-01/_lease.json", "p/2026-01-01/_manifest.json", "p/2026-01-01/data.parquet",
                              "p/2026-01-02/_lease.json"};
  const Strings kept = {"p/2026-02-03/_lease.json", "p/2026-02-03/_manifest.json", "p/2026-02-03/data.parquet"};
  const Strings neighbours = {"p/2026-01-01/notes.txt",        "p/2026-01-01/data.parquet.bak",
                              "p/2026-01-01/sub/data.parquet", "p/2026-01-01%2Fdata.parquet",
                              "p/2026-01-03/notes.txt",        "p2/2026-01-01/data.parquet",
                              "q/p/2026-01-01/_manifest.json"};
  for (const Strings* list : {&old_layout, &kept, &neighbours})
    for (const std::string& k : *list) store.put(k, "x");

  // 2026-02-05T12:34:56Z, retention 3: days before 2026-02-02 go.
  const PruneResult dry = prune_partitions(store, "p", 3, 1770294896, true);
  EXPECT_EQ(dry.deleted_keys, old_layout);
  EXPECT_EQ(dry.days, (std::vector<int64_t>{*parse_day("2026-01-01"), *parse_day("2026-01-02")}));
  const PruneResult done = prune_partitions(store, "p", 3, 1770294896, false);
  EXPECT_EQ(done.deleted_keys, old_layout);

  Strings rest = kept;
  rest.insert(rest.end(), neighbours.begin(), neighbours.end());
  std::sort(rest.begin(), rest.end());
  Strings now;
  for (const ObjectInfo& o : store.list("")) now.push_back(o.key);
  EXPECT_EQ(now, rest);

  // status's view: the neighbour-only day 2026-01-03 is not a partition.
  Strings days;
  for (const PartitionEntry& e : list_partitions(store, "p", false)) days.push_back(format_day(e.day));
  EXPECT_EQ(days, (Strings{"2026-02-03"}));
  fs::remove_all(root);
}

}  // namespace
}  // namespace aesync
