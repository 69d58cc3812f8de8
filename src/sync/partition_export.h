// One partition's export (one table's day), the same step for every source:
// lease -> write -> commit -> outcome.
//
//   begin():  takes the day's lease (lease.h); another live run holding it makes the day Busy,
//             and nothing is written. Holding it, the day's pending uploads are aborted: no live
//             run can be writing there, so they are what killed runs left (S3: multipart
//             uploads; the local store: the temporary files `.data.parquet.tmp-<pid>-<n>`).
//   start_file(): a new, empty data object (a restart drops the previous one unseen).
//   ...       the source feeds rows into writer() and fills the manifest's windows,
//             source_rows and verified.
//   commit(): the lease still ours, the data object then the manifest (partition_commit.h);
//             a day with no rows deletes the old data object and records `rows: 0`.
//   fail():   any exception of the above: the day is Failed (Cancelled when the run was
//             interrupted), the previous export untouched.
//   finish(): the lease released, "partition exported" logged, the outcome returned.
// A window source writes a day of every table of a dataset at once (export_day below: one read,
// each table's partition committed or failed on its own); the file source opens every day while
// reading its one input and commits them only once the whole input is valid.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "schema/mapper.h"
#include "storage/object_store.h"
#include "sync/layout.h"
#include "sync/lease.h"
#include "sync/manifest.h"
#include "sync/partition_writer.h"
#include "sync/report.h"
#include "sync/table_route.h"

namespace aesync {

//! The manifest fields every partition of a table shares (partition, table, columns,
//! schema_fingerprint, exported_at, version).
Manifest new_manifest(const TableRoute& route, const std::string& day, int64_t now_seconds);

//! What every partition of a run shares.
struct ExportContext {
  const Config& config;
  ObjectStore& store;
  int64_t now_seconds;  //!< the run's clock: the manifests' exported_at
};

class PartitionExport {
 public:
  using Clock = std::chrono::steady_clock;

  //! `started`: where the outcome's seconds count from.
  PartitionExport(const ExportContext& context, const TableRoute& route, int64_t day,
                  Clock::time_point started = Clock::now());
  PartitionExport(const PartitionExport&) = delete;
  PartitionExport& operator=(const PartitionExport&) = delete;

  //! Takes the lease and aborts the day's pending uploads; false (status Busy, logged) when
  //! another live run holds the lease. Throws on storage errors.
  bool begin();
  //! Starts the data object and the manifest over, empty (after begin()).
  PartitionWriter& start_file();
  PartitionWriter& writer() { return *writer_; }
  //! The manifest being built: the source fills windows, source_rows and verified.
  Manifest& manifest() { return manifest_; }
  //! The rows the source gave the table for the day: the manifest's source_rows, and the
  //! outcome's rows and sample weight until a commit counts the file's.
  void set_source_rows(uint64_t rows, int64_t sample_weight);
  //! A warning about the day (read-sampled windows): logged now, shown in the run's summary.
  void warn(const std::string& warning);
  //! Renews the lease when due (lease.h); throws LeaseLost when another run took it over.
  void renew_lease();
  //! Commits the written file and the manifest (or, with source_rows == 0, the empty day);
  //! returns the file (zero for an empty day). Throws on failure: then call fail().
  PartitionFile commit();
  //! Records a failure: status Failed, the (redacted) error logged as an error; when the run is
  //! cancelled (util/cancel.h), status Cancelled instead, logged at info level.
  void fail(const std::exception& e);
  //! Releases the lease, logs "partition exported" (not for a busy day) and returns the outcome.
  PartitionOutcome finish();

  const std::string& day_name() const { return outcome_.day; }
  const TableRoute& route() const { return route_; }
  PartitionStatus status() const { return outcome_.status; }

 private:
  const ExportContext& context_;
  const TableRoute& route_;
  int64_t day_;
  Clock::time_point started_;
  PartitionOutcome outcome_;
  Manifest manifest_;
  std::unique_ptr<PartitionLease> lease_;
  std::unique_ptr<PartitionWriter> writer_;  // after lease_: its upload is aborted before the lease goes
};

//! Writes a day's rows into each table's writer(), filling their manifests. Returns why the
//! day must start over from empty files (rows already written cannot be taken back from a
//! stream), or nullopt when every row is written.
using WriteDay = std::function<std::optional<std::string>(const std::vector<PartitionExport*>& tables)>;

//! The whole step for a source that writes a day at once, for the tables one read feeds: begin
//! each (a busy one is left out), write them together (a restart is allowed once, a second one
//! fails them all; so does an error of the read), then commit each on its own (one failing
//! leaves the others committed), finish. Never throws; the outcomes in the order of `tables`.
std::vector<PartitionOutcome> export_day(const std::vector<std::unique_ptr<PartitionExport>>& tables,
                                         const WriteDay& write);

}  // namespace aesync
