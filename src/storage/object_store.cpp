#include "storage/object_store.h"

#include "util/error.h"

namespace aesync {

void validate_key(const std::string& key) {
  bool bad = key.empty() || key.front() == '/' || key.back() == '/';
  for (size_t start = 0; !bad && start <= key.size();) {
    size_t end = key.find('/', start);
    if (end == std::string::npos) end = key.size();
    std::string_view seg(key.data() + start, end - start);
    bad = seg.empty() || seg == "." || seg == ".." || seg.find('\0') != std::string_view::npos;
    start = end + 1;
  }
  if (bad) throw StorageError("invalid object key \"" + key + "\"");
}

void ObjectStore::put(const std::string& key, std::string_view data) {
  auto upload = begin_upload(key);
  upload->write(data.data(), data.size());
  upload->commit();
}

void ObjectStore::remove_many(const std::vector<std::string>& keys) {
  for (const std::string& key : keys) remove(key);
}

std::optional<std::string> ObjectStore::put_if(const std::string& key, std::string_view, const WriteCondition&) {
  throw StorageError("conditional writes are not supported by this store (" + describe(key) + ")");
}

std::optional<VersionedObject> ObjectStore::get_versioned(const std::string& key) {
  throw StorageError("versioned reads are not supported by this store (" + describe(key) + ")");
}

std::vector<PendingUpload> ObjectStore::list_pending_uploads(const std::string&) { return {}; }

void ObjectStore::abort_pending_upload(const PendingUpload& upload) {
  throw StorageError("no multipart upload to abort in this store (" + describe(upload.key) + ")");
}

size_t ObjectStore::abort_pending_uploads(const std::string& prefix) {
  const std::vector<PendingUpload> uploads = list_pending_uploads(prefix);
  for (const PendingUpload& u : uploads) abort_pending_upload(u);
  return uploads.size();
}

}  // namespace aesync
