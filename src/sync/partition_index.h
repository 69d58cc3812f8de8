// What the destination holds: partitions found under `<prefix>/`, read from their manifests
// (status, planning) and the keys that belong to the partition layout (prune).
//
// Only keys of the exact form `<prefix>/<YYYY-MM-DD>/<name>` (a real date, and a name aesync
// writes there: data.parquet, data.csv, data.csv.gz, _manifest.json, _lease.json) belong to
// aesync; everything else in the bucket is never read, listed in output or deleted, whatever
// its name (`<prefix>_old/`, `<prefix>/x/2026-01-01/...`, `<prefix>/2026-01-01/notes.txt`,
// `<prefix>/2026-01-01/sub/data.parquet`, keys with `..` or encoded slashes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "storage/object_store.h"
#include "sync/manifest.h"

namespace aesync {

//! The day of a key in the partition layout under `prefix`, or nullopt if the key is not one.
std::optional<int64_t> partition_day_of_key(const std::string& prefix, const std::string& key);
//! Whether `name` is one of the object names of a day's folder (see above).
bool is_layout_name(std::string_view name);

//! Parses a manifest written by manifest_to_json (or a newer aesync: unknown keys ignored).
//! Throws InputError naming `where` when it is not a manifest.
Manifest parse_manifest(std::string_view json, const std::string& where);

struct PartitionEntry {
  int64_t day = 0;
  std::vector<ObjectInfo> objects;   //!< every layout key of that day
  std::optional<Manifest> manifest;  //!< absent when there is no (readable) manifest
  //! Why a manifest could not be read, naming its key: "<key>: no manifest", a parse error, a
  //! manifest for another day, or a storage error.
  std::string manifest_error;
};

//! Lists `<prefix>/` and groups layout keys by day (in day order); reads each day's manifest
//! when `read_manifests`.
std::vector<PartitionEntry> list_partitions(ObjectStore& store, const std::string& prefix, bool read_manifests);

struct PruneResult {
  std::vector<std::string> deleted_keys;  //!< (or, in a dry run, the keys that would be)
  std::vector<int64_t> days;
};

//! Deletes every layout object of days older than `retention_days` before the UTC day of
//! `now_seconds`. A dry run deletes nothing and returns what it would delete. Manifests are
//! deleted before data objects, so that an interrupted prune never leaves a manifest describing
//! a deleted file (manifest-less data is still found by the next prune). `deleted_keys` is in
//! day and key order.
PruneResult prune_partitions(ObjectStore& store, const std::string& prefix, int retention_days, int64_t now_seconds,
                             bool dry_run);

}  // namespace aesync
