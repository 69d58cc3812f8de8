// What the destination holds: partitions found under `<prefix>/`, read from their manifests
// (status, planning) and the keys that belong to the partition layout (prune). Which keys those
// are is layout.h's to say: everything else in the bucket is never read, listed in output or
// deleted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "storage/object_store.h"
#include "sync/layout.h"
#include "sync/manifest.h"

namespace aesync {

//! Parses a manifest written by manifest_to_json (or a newer aesync: unknown keys ignored; or an
//! older one: without `read_sampled` and the windows' `source_rows`/`resolution`, read as false,
//! the window's rows and 1).
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
