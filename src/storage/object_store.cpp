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

}  // namespace aesync
