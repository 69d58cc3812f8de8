// One partition's export, the same step for every source: lease -> write -> commit -> outcome.
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
//   fail():   any exception of the above: the day is Failed, the previous export untouched.
//   finish(): the lease released, "partition exported" logged, the outcome returned.
// A window source writes a day at once (export_partition below); the file source opens every
// day while reading its one input and commits them only once the whole input is valid.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "schema/mapper.h"
#include "storage/object_store.h"
#include "sync/layout.h"
#include "sync/lease.h"
#include "sync/manifest.h"
#include "sync/partition_writer.h"
#include "sync/report.h"

namespace aesync {

//! The manifest fields every partition shares (partition, columns, exported_at, version).
Manifest new_manifest(const Config& config, const std::string& day, int64_t now_seconds);

//! What every partition of a run shares.
struct ExportContext {
  const Config& config;
  ObjectStore& store;
  const PartitionLayout& layout;
  const Mapper& mapper;
  size_t sample_interval_index;  //!< where _sample_interval sits in the raw rows (partition_raw_columns)
  int64_t now_seconds;           //!< the run's clock: the manifests' exported_at
};

class PartitionExport {
 public:
  using Clock = std::chrono::steady_clock;

  //! `started`: where the outcome's seconds count from.
  PartitionExport(const ExportContext& context, int64_t day, Clock::time_point started = Clock::now());
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
  //! The rows the source read for the day (the file source): the manifest's source_rows, and
  //! the outcome's rows and sample weight until a commit counts the file's.
  void set_source_rows(uint64_t rows, int64_t sample_weight);
  //! A warning about the day (read-sampled windows): logged now, shown in the run's summary.
  void warn(const std::string& warning);
  //! Renews the lease when due (lease.h); throws LeaseLost when another run took it over.
  void renew_lease();
  //! Commits the written file and the manifest (or, with source_rows == 0, the empty day);
  //! returns the file (zero for an empty day). Throws on failure: then call fail().
  PartitionFile commit();
  //! Records a failure: status Failed, the (redacted) error logged.
  void fail(const std::exception& e);
  //! Releases the lease, logs "partition exported" (not for a busy day) and returns the outcome.
  PartitionOutcome finish();

  const std::string& day_name() const { return outcome_.day; }
  PartitionStatus status() const { return outcome_.status; }

 private:
  const ExportContext& context_;
  int64_t day_;
  Clock::time_point started_;
  PartitionOutcome outcome_;
  Manifest manifest_;
  std::unique_ptr<PartitionLease> lease_;
  std::unique_ptr<PartitionWriter> writer_;  // after lease_: its upload is aborted before the lease goes
};

//! Writes a day's rows into `day.writer()`, filling its manifest. Returns why the partition must
//! start over from an empty file (rows already written cannot be taken back from a stream), or
//! nullopt when every row is written.
using WriteDay = std::function<std::optional<std::string>(PartitionExport& day)>;

//! The whole step for a source that writes a day at once: begin, write (a restart is allowed
//! once, a second one fails the day), commit, finish. Never throws.
PartitionOutcome export_partition(PartitionExport& day, const WriteDay& write);

}  // namespace aesync
