#include "sync/partition_export.h"

#include "source/window_source.h"
#include "sync/partition_commit.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/log.h"
#include "util/time.h"
#include "util/version.h"

namespace aesync {

Manifest new_manifest(const TableRoute& route, const std::string& day, int64_t now_seconds) {
  Manifest m;
  m.partition = day;
  m.table = route.table.name;
  m.columns = route.output_schema.columns;
  m.schema_fingerprint = route.fingerprint;
  m.exported_at = format_rfc3339(now_seconds);
  m.aesync_version = version();
  return m;
}

PartitionExport::PartitionExport(const ExportContext& context, const TableRoute& route, int64_t day,
                                 Clock::time_point started)
    : context_(context), route_(route), day_(day), started_(started) {
  outcome_.day = format_day(day);
  outcome_.table = route.table.name;
  outcome_.status = PartitionStatus::Ok;
  outcome_.data_key = route.layout.data_key(day, context.config.output);
}

bool PartitionExport::begin() {
  ObjectStore& store = context_.store;
  std::string holder;
  lease_ = PartitionLease::acquire(store, route_.layout.lease_key(day_), holder);
  if (!lease_) {
    outcome_.status = PartitionStatus::Busy;
    outcome_.data_key.clear();
    outcome_.error = "another aesync run is exporting this day: " + holder;
    log::warn(outcome_.error, {{"partition", outcome_.day}, {"table", outcome_.table}});
    return false;
  }
  if (const size_t aborted = store.abort_pending_uploads(route_.layout.day_prefix(day_)))
    log::warn("aborted multipart uploads left by an earlier run",
              {{"partition", outcome_.day}, {"table", outcome_.table}, {"uploads", aborted}});
  return true;
}

PartitionWriter& PartitionExport::start_file() {
  writer_.reset();  // the previous attempt's upload is aborted first
  manifest_ = new_manifest(route_, outcome_.day, context_.now_seconds);
  writer_ =
      std::make_unique<PartitionWriter>(context_.config.output, route_, context_.store.begin_upload(outcome_.data_key));
  return *writer_;
}

void PartitionExport::set_source_rows(uint64_t rows, int64_t sample_weight) {
  manifest_.source_rows = rows;
  outcome_.rows = rows;
  outcome_.sample_weight = sample_weight;
}

void PartitionExport::warn(const std::string& warning) {
  outcome_.warning = log::redact(warning);
  log::warn(outcome_.warning, {{"partition", outcome_.day}, {"table", outcome_.table}});
}

void PartitionExport::renew_lease() { lease_->renew_if_due(); }

PartitionFile PartitionExport::commit() {
  const std::string manifest_key = route_.layout.manifest_key(day_);
  outcome_.read_sampled = manifest_.read_sampled;
  renew_lease();  // still ours before anything is committed
  if (manifest_.source_rows == 0) {
    // An empty day: no data object (an old one is deleted), a manifest that says rows: 0.
    commit_empty_partition(context_.store, manifest_key, outcome_.data_key, manifest_to_json(manifest_));
    outcome_.data_key.clear();
    writer_.reset();
    return PartitionFile{};
  }
  const PartitionFile file = commit_partition(context_.store, manifest_key, *writer_, [&](const PartitionFile& f) {
    manifest_.data_key = outcome_.data_key;
    manifest_.rows = f.rows;
    manifest_.sample_weight = f.sample_weight;
    manifest_.bytes = f.bytes;
    manifest_.sha256 = f.sha256;
    return manifest_to_json(manifest_);
  });
  writer_.reset();
  outcome_.rows = file.rows;
  outcome_.sample_weight = file.sample_weight;
  outcome_.bytes = file.bytes;
  if (file.late_rows > 0)
    warn(std::to_string(file.late_rows) +
         " rows came after their time bucket was written (the input is not in time order): their buckets have more "
         "than one row per group; combine them when querying (sum samples, weight and sums; min of mins, max of "
         "maxes)");
  return file;
}

void PartitionExport::fail(const std::exception& e) {
  // The unfinished upload is aborted and the lease released before the failure is reported.
  writer_.reset();
  lease_.reset();
  if (cancel::requested()) {
    // Interrupted (Ctrl-C, a daemon's SIGTERM): whatever the read or the upload threw, the day is
    // not wrong, only not exported; no error line, or every restart would page someone.
    outcome_.status = PartitionStatus::Cancelled;
    outcome_.error = "cancelled: the run was interrupted before the day was committed";
    log::info("partition cancelled", {{"partition", outcome_.day}, {"table", outcome_.table}});
    return;
  }
  outcome_.status = PartitionStatus::Failed;
  outcome_.error = log::redact(e.what());
  log::error(outcome_.error, {{"partition", outcome_.day}, {"table", outcome_.table}});
}

PartitionOutcome PartitionExport::finish() {
  // A lease that cannot be deleted now (the store went away) only warns; it expires, and the
  // next run takes it over.
  writer_.reset();
  lease_.reset();
  outcome_.seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  switch (outcome_.status) {
    case PartitionStatus::Busy:
    case PartitionStatus::Skipped:
    case PartitionStatus::Planned:
    case PartitionStatus::Cancelled: break;
    case PartitionStatus::Ok:
    case PartitionStatus::Failed:
      log::info("partition exported", {{"partition", outcome_.day},
                                       {"table", outcome_.table},
                                       {"rows", outcome_.rows},
                                       {"bytes", outcome_.bytes},
                                       {"duration_ms", static_cast<int64_t>(outcome_.seconds * 1000)},
                                       {"status", to_string(outcome_.status)}});
      break;
  }
  return outcome_;
}

std::vector<PartitionOutcome> export_day(const std::vector<std::unique_ptr<PartitionExport>>& tables,
                                         const WriteDay& write) {
  std::vector<PartitionExport*> writing;
  for (const auto& t : tables) {
    try {
      if (t->begin()) writing.push_back(t.get());
    } catch (const std::exception& e) {
      t->fail(e);
    }
  }
  if (!writing.empty()) {
    bool written = false;
    try {
      for (int attempt = 1;; ++attempt) {
        for (PartitionExport* t : writing) t->start_file();
        const std::optional<std::string> restart = write(writing);
        if (!restart) break;
        if (attempt >= 2) throw SourceError(*restart);
        log::warn("restarting partition from an empty file",
                  {{"partition", writing[0]->day_name()}, {"reason", *restart}});
      }
      written = true;
    } catch (const std::exception& e) {
      for (PartitionExport* t : writing) t->fail(e);
    }
    if (written) {
      for (PartitionExport* t : writing) {
        try {
          t->commit();
        } catch (const std::exception& e) {
          t->fail(e);
        }
      }
    }
  }
  std::vector<PartitionOutcome> outcomes;
  for (const auto& t : tables) outcomes.push_back(t->finish());
  return outcomes;
}

}  // namespace aesync
