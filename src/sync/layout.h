// The object layout of a destination, in one place: every name aesync writes in a day's folder
// and how keys are built and parsed. A partition is the folder `<prefix>/<YYYY-MM-DD>/`, holding
// the data object (`data.parquet`, `data.csv` or `data.csv.gz`, as the output format says), its
// manifest `_manifest.json` and, while a run exports the day, the lease `_lease.json`.
//
// Only keys of the exact form `<prefix>/<YYYY-MM-DD>/<name>` (a real date, and one of those
// names) belong to aesync; everything else in the bucket is never read, listed in output or
// deleted, whatever its name (`<prefix>_old/`, `<prefix>/x/2026-01-01/...`,
// `<prefix>/2026-01-01/notes.txt`, `<prefix>/2026-01-01/sub/data.parquet`, keys with `..` or
// encoded slashes). The writers, the planner, `prune` and `status` all go through this module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace aesync {

inline constexpr std::string_view kManifestName = "_manifest.json";
inline constexpr std::string_view kLeaseName = "_lease.json";

//! The data object's file name for `output` (data.parquet, data.csv, data.csv.gz).
std::string data_file_name(const OutputConfig& output);

//! Whether `name` is one of the object names of a day's folder (the data file names, the
//! manifest, the lease).
bool is_layout_name(std::string_view name);
//! Whether `key` names a manifest (its last segment is `_manifest.json`).
bool is_manifest_key(std::string_view key);
//! Whether `key` names a lease (its last segment is `_lease.json`).
bool is_lease_key(std::string_view key);

//! The keys of the partitions under one prefix (`[destination] prefix`).
class PartitionLayout {
 public:
  explicit PartitionLayout(std::string prefix);

  const std::string& prefix() const { return prefix_; }
  //! "<prefix>/": where every partition lives (what to list).
  const std::string& root() const { return root_; }
  //! "<prefix>/<YYYY-MM-DD>/": the folder of a day (`day` in days since the epoch).
  std::string day_prefix(int64_t day) const;
  //! "<prefix>/<YYYY-MM-DD>/<name>".
  std::string key(int64_t day, std::string_view name) const;
  std::string data_key(int64_t day, const OutputConfig& output) const { return key(day, data_file_name(output)); }
  std::string manifest_key(int64_t day) const { return key(day, kManifestName); }
  std::string lease_key(int64_t day) const { return key(day, kLeaseName); }

  //! The day of a key of this layout, or nullopt if the key is not one (see above).
  std::optional<int64_t> day_of_key(std::string_view key) const;

 private:
  std::string prefix_;
  std::string root_;
};

}  // namespace aesync
