// Object stores: where partitions are written (docs/data-layout.md). One small interface, implemented
// by the local folder store (local_store.h) and the S3/R2 store (s3_store.h).
//
// Keys are '/'-separated relative paths ("machine_metrics/2026-02-03/data.parquet"). An upload
// is a ByteSink: bytes stream in, and the object appears, replacing any previous one whole,
// only at commit(); an upload destroyed or aborted before commit leaves the old object as it
// was. Failures throw StorageError naming the store and the key.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/byte_sink.h"

namespace aesync {

class ObjectUpload : public ByteSink {
 public:
  //! Makes the object visible under its key, replacing the old one atomically.
  virtual void commit() = 0;
  //! Discards what was written (also what the destructor does when not committed).
  virtual void abort() = 0;
  //! Returns once no part is being sent in the background (S3Store sends a full part while the
  //! writer fills the next), throwing that part's failure (the upload is then aborted), so
  //! that a failure shows before anything is replaced. Stores that write in place do nothing.
  virtual void wait_parts() {}
};

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

//! A write precondition (S3/R2 conditional PutObject): create only (If-None-Match: *), or
//! replace only the version last read (If-Match: <etag>).
struct WriteCondition {
  bool if_absent = false;
  std::string if_match;  //!< used when !if_absent
};

//! A multipart upload that was started and neither completed nor aborted.
struct PendingUpload {
  std::string key;
  std::string upload_id;
  std::string initiated;  //!< as the store reports it
};

//! A small object with its version tag (S3: the ETag; local: a digest of the bytes).
struct VersionedObject {
  std::string data;
  std::string etag;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  virtual std::unique_ptr<ObjectUpload> begin_upload(const std::string& key) = 0;
  //! Writes a small object in one go (manifests, probes); atomic like an upload.
  void put(const std::string& key, std::string_view data);
  //! The object's bytes, or nullopt when it does not exist.
  virtual std::optional<std::string> get(const std::string& key) = 0;
  virtual std::optional<ObjectInfo> head(const std::string& key) = 0;
  //! Every object whose key starts with `prefix`, in key order.
  virtual std::vector<ObjectInfo> list(const std::string& prefix) = 0;
  //! Deletes the object; deleting a missing object is not an error.
  virtual void remove(const std::string& key) = 0;
  //! Deletes many objects (S3: DeleteObjects in batches of 1000; elsewhere one by one).
  virtual void remove_many(const std::vector<std::string>& keys);
  //! Where a key lives, for messages: "/abs/exports/machine_metrics/..." or "s3://bucket/key".
  virtual std::string describe(const std::string& key) const = 0;

  //! Writes a small object only if `condition` holds, atomically with respect to other
  //! conditional writes: the new version tag, or nullopt when the condition failed (S3: 412
  //! PreconditionFailed or 409 ConditionalRequestConflict). Stores without conditional writes
  //! throw StorageError.
  virtual std::optional<std::string> put_if(const std::string& key, std::string_view data,
                                            const WriteCondition& condition);
  //! The object with its version tag, or nullopt when it does not exist.
  virtual std::optional<VersionedObject> get_versioned(const std::string& key);
  //! Multipart uploads started under `prefix` and never completed (a run was killed, or one is
  //! uploading right now). Stores without multipart uploads have none, nor have stores that do
  //! not implement listing them (S3Store warns once).
  virtual std::vector<PendingUpload> list_pending_uploads(const std::string& prefix);
  virtual void abort_pending_upload(const PendingUpload& upload);
  //! Aborts every pending upload under `prefix`; returns how many.
  size_t abort_pending_uploads(const std::string& prefix);
};

//! Rejects keys that could escape the store's root ("..", absolute, empty segments).
void validate_key(const std::string& key);

}  // namespace aesync
