// The `local` destination: objects are files under a root folder (<path>/<key>), written with
// AtomicFile (temporary file, fsync, rename). Listing and deleting stay inside the root; the
// temporary files of writes in progress are never listed.
#pragma once

#include "storage/object_store.h"

namespace aesync {

class LocalStore final : public ObjectStore {
 public:
  explicit LocalStore(std::string root);
  std::unique_ptr<ObjectUpload> begin_upload(const std::string& key) override;
  std::optional<std::string> get(const std::string& key) override;
  std::optional<ObjectInfo> head(const std::string& key) override;
  std::vector<ObjectInfo> list(const std::string& prefix) override;
  void remove(const std::string& key) override;
  std::string describe(const std::string& key) const override;

 private:
  std::string root_;
};

}  // namespace aesync
