#include "sync/partition_commit.h"

#include <cstdint>
#include <optional>

#include "sync/partition_index.h"
#include "util/error.h"
#include "util/log.h"

namespace aesync {

namespace {

// Puts the old manifest back after a failed data commit, if the data object is still the file
// it describes; otherwise (or if that fails too) the day stays without a manifest, which is
// safe: it reads as not exported.
void restore_manifest(ObjectStore& store, const std::string& manifest_key, const std::string& old_manifest,
                      uint64_t new_bytes) {
  try {
    const Manifest m = parse_manifest(old_manifest, store.describe(manifest_key));
    // The object must still be the old file. Its size tells, unless both files have the same
    // size (a commit whose answer was lost may have gone through): then no manifest is safer.
    const std::optional<ObjectInfo> data = m.data_key.empty() ? std::nullopt : store.head(m.data_key);
    const bool unchanged = m.data_key.empty() || (data && data->size == m.bytes && m.bytes != new_bytes);
    if (!unchanged) return;
    store.put(manifest_key, old_manifest);
  } catch (const std::exception& e) {
    log::warn("the previous manifest could not be put back; the day reads as not exported until the next run",
              {{"key", store.describe(manifest_key)}, {"error", log::redact(e.what())}});
  }
}

}  // namespace

PartitionFile commit_partition(ObjectStore& store, const std::string& manifest_key, PartitionWriter& writer,
                               const std::function<std::string(const PartitionFile&)>& manifest_json) {
  // Every byte is uploaded first: a failure up to here leaves the old export as it was.
  const PartitionFile file = writer.close_file();
  const std::optional<std::string> old_manifest = store.get(manifest_key);
  if (old_manifest) store.remove(manifest_key);
  try {
    writer.commit();
  } catch (...) {
    if (old_manifest) restore_manifest(store, manifest_key, *old_manifest, file.bytes);
    throw;
  }
  try {
    store.put(manifest_key, manifest_json(file));
  } catch (const Error& e) {
    throw StorageError(std::string(e.what()) +
                       " (the new data object is in place without a manifest; the next run exports the day again)");
  }
  return file;
}

void commit_empty_partition(ObjectStore& store, const std::string& manifest_key, const std::string& data_key,
                            const std::string& manifest_json) {
  store.remove(manifest_key);
  store.remove(data_key);
  store.put(manifest_key, manifest_json);
}

}  // namespace aesync
