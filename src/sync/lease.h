// Per-partition leases: at most one run exports a given day of a destination at a time, across
// processes and hosts (a cron overlap, a manual backfill beside the schedule, shards).
//
// The lease is the object `<prefix>/<day>/_lease.json` ({"owner", "host", "pid", "acquired_at",
// "expires_at"}), only ever written with conditional PUTs (S3/R2 If-None-Match / If-Match; local
// files: create-exclusive and compare-under-lock):
//   - acquire: create it if absent. If present, take it over (If-Match on the version read)
//     only when it has expired, or its owner is a process on this host that no longer runs (a
//     killed run: the rerun need not wait for the TTL). Otherwise the day is busy.
//   - renew: the holder rewrites it (If-Match its own version) once half the TTL has passed; a
//     failed renewal means another run took it over, and the holder must stop (LeaseLost).
//   - release: delete it when the partition is done, committed or failed.
// Holding the lease is what makes it safe to abort the day's leftover multipart uploads: no
// live run can be uploading there.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "storage/object_store.h"
#include "util/error.h"

namespace aesync {

struct LeaseInfo {
  std::string owner;  //!< "<host>/<pid>/<8 hex>": unique per run
  std::string host;
  int64_t pid = 0;
  int64_t acquired_at = 0, expires_at = 0;  //!< unix seconds
};

std::string lease_to_json(const LeaseInfo& lease);
//! Throws FormatError naming `where` for anything but a lease document.
LeaseInfo parse_lease(std::string_view json, const std::string& where);

//! A renewal found the lease taken over by another run.
class LeaseLost : public Error {
 public:
  using Error::Error;
};

class PartitionLease {
 public:
  static constexpr int64_t kTtlSeconds = 600;

  using Clock = std::function<int64_t()>;  //!< unix seconds (the real clock, not --now)
  //! Whether a process of this host with that pid still runs.
  using Alive = std::function<bool(int64_t pid)>;

  //! Takes the lease at `key`; nullptr when another live run holds it, `holder` then saying who
  //! and until when.
  static std::unique_ptr<PartitionLease> acquire(ObjectStore& store, const std::string& key, std::string& holder,
                                                 Clock clock = {}, Alive alive = {});
  ~PartitionLease();  //!< releases (best effort) if release() was not called
  PartitionLease(const PartitionLease&) = delete;
  PartitionLease& operator=(const PartitionLease&) = delete;

  //! Rewrites the lease if half its TTL has passed; throws LeaseLost when another run took it.
  void renew_if_due();
  //! Deletes the lease object.
  void release();

  const LeaseInfo& info() const { return info_; }

 private:
  PartitionLease(ObjectStore& store, std::string key, LeaseInfo info, std::string etag, Clock clock);

  ObjectStore& store_;
  std::string key_;
  LeaseInfo info_;
  std::string etag_;
  Clock clock_;
  bool released_ = false;
};

//! This host's name, as leases record it.
std::string lease_host();

//! At the start of a run: aborts the multipart uploads under `<prefix>/<day>/` whose day no live
//! run holds (no lease, or one that expired or whose process on this host is gone): what killed
//! runs left, on any day, not only those this run exports. Uploads outside the partition layout
//! are not aesync's and are left alone. Returns how many were aborted.
size_t abort_abandoned_uploads(ObjectStore& store, const std::string& prefix, PartitionLease::Clock clock = {},
                               PartitionLease::Alive alive = {});

}  // namespace aesync
