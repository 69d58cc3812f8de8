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
  //! If-absent: link(2) of a finished temporary file. If-match: compare and rename under an
  //! exclusive flock(2) of the current file. Version tags are SHA-256 digests of the content.
  std::optional<std::string> put_if(const std::string& key, std::string_view data,
                                    const WriteCondition& condition) override;
  std::optional<VersionedObject> get_versioned(const std::string& key) override;
  //! Temporary files of writes that never reached their rename (a killed run's): key = the
  //! object they were for, upload_id = the temporary file's own key; aborting deletes it.
  std::vector<PendingUpload> list_pending_uploads(const std::string& prefix) override;
  void abort_pending_upload(const PendingUpload& upload) override;

 private:
  std::string root_;
};

}  // namespace aesync
