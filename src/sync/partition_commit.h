// Committing a partition so that a manifest never describes a data object that is not there
// (a manifest is what `status`, the planner and a backfill's skip trust):
//   0. the new file is written to the end (every byte uploaded; a failure here changes nothing);
//   1. the day's old manifest is read and deleted;
//   2. the data object is committed (the upload completes: the new file replaces the old one
//      whole; PostHog only ever sees one complete file or the other);
//   3. the new manifest is written.
// A kill between the steps leaves a complete data object (old or new) without a manifest: the
// day reads as not exported, and the next run exports it again. If step 2 fails, the old
// manifest is put back when the data object is still the one it describes (same size), and
// the error is rethrown; if step 3 fails, the error says the new data object is in place.
#pragma once

#include <functional>
#include <string>

#include "storage/object_store.h"
#include "sync/partition_writer.h"

namespace aesync {

//! Steps 1-3 with `writer` (which has all its rows); `manifest_json` makes the new manifest
//! from the finished file.
PartitionFile commit_partition(ObjectStore& store, const std::string& manifest_key, PartitionWriter& writer,
                               const std::function<std::string(const PartitionFile&)>& manifest_json);

//! The same for a day without rows: the old manifest, then the old data object, are deleted,
//! then the new manifest (rows: 0) is written.
void commit_empty_partition(ObjectStore& store, const std::string& manifest_key, const std::string& data_key,
                            const std::string& manifest_json);

}  // namespace aesync
