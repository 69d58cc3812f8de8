#include "sync/partition_export.h"

#include "source/window_source.h"
#include "sync/partition_commit.h"
#include "util/error.h"
#include "util/log.h"
#include "util/time.h"
#include "util/version.h"

namespace aesync {

Manifest new_manifest(const Config& config, const std::string& day, int64_t now_seconds) {
  Manifest m;
  m.partition = day;
  m.columns = config.schema.columns;
  m.exported_at = format_rfc3339(now_seconds);
  m.aesync_version = version();
  return m;
}

PartitionExport::PartitionExport(const ExportContext& context, int64_t day, Clock::time_point started)
    : context_(context), day_(day), started_(started) {
  outcome_.day = format_day(day);
  outcome_.status = PartitionStatus::Ok;
  outcome_.data_key = context.layout.data_key(day, context.config.output);
}

bool PartitionExport::begin() {
  ObjectStore& store = context_.store;
  std::string holder;
  lease_ = PartitionLease::acquire(store, context_.layout.lease_key(day_), holder);
  if (!lease_) {
    outcome_.status = PartitionStatus::Busy;
    outcome_.data_key.clear();
    outcome_.error = "another aesync run is exporting this day: " + holder;
    log::warn(outcome_.error, {{"partition", outcome_.day}});
    return false;
  }
  if (const size_t aborted = store.abort_pending_uploads(context_.layout.day_prefix(day_)))
    log::warn("aborted multipart uploads left by an earlier run", {{"partition", outcome_.day}, {"uploads", aborted}});
  return true;
}

PartitionWriter& PartitionExport::start_file() {
  writer_.reset();  // the previous attempt's upload is aborted first
  manifest_ = new_manifest(context_.config, outcome_.day, context_.now_seconds);
  writer_ = std::make_unique<PartitionWriter>(context_.config, context_.mapper, context_.sample_interval_index,
                                              context_.store.begin_upload(outcome_.data_key));
  return *writer_;
}

void PartitionExport::set_source_rows(uint64_t rows, int64_t sample_weight) {
  manifest_.source_rows = rows;
  outcome_.rows = rows;
  outcome_.sample_weight = sample_weight;
}

void PartitionExport::warn(const std::string& warning) {
  outcome_.warning = log::redact(warning);
  log::warn(outcome_.warning, {{"partition", outcome_.day}});
}

void PartitionExport::renew_lease() { lease_->renew_if_due(); }

PartitionFile PartitionExport::commit() {
  const std::string manifest_key = context_.layout.manifest_key(day_);
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
  return file;
}

void PartitionExport::fail(const std::exception& e) {
  // The unfinished upload is aborted and the lease released before the failure is reported.
  writer_.reset();
  lease_.reset();
  outcome_.status = PartitionStatus::Failed;
  outcome_.error = log::redact(e.what());
  log::error(outcome_.error, {{"partition", outcome_.day}});
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
    case PartitionStatus::Planned: break;
    case PartitionStatus::Ok:
    case PartitionStatus::Failed:
      log::info("partition exported", {{"partition", outcome_.day},
                                       {"rows", outcome_.rows},
                                       {"bytes", outcome_.bytes},
                                       {"duration_ms", static_cast<int64_t>(outcome_.seconds * 1000)},
                                       {"status", to_string(outcome_.status)}});
      break;
  }
  return outcome_;
}

PartitionOutcome export_partition(PartitionExport& day, const WriteDay& write) {
  try {
    if (day.begin()) {
      for (int attempt = 1;; ++attempt) {
        day.start_file();
        const std::optional<std::string> restart = write(day);
        if (!restart) break;
        if (attempt >= 2) throw SourceError(*restart);
        log::warn("restarting partition from an empty file", {{"partition", day.day_name()}, {"reason", *restart}});
      }
      day.commit();
    }
  } catch (const std::exception& e) {
    day.fail(e);
  }
  return day.finish();
}

}  // namespace aesync
