// The `s3` / `r2` destination: an ObjectStore over the S3 REST API (path-style URLs
// `<endpoint>/<bucket>/<key>`, SigV4-signed, payloads always hashed), for AWS S3, Cloudflare R2,
// MinIO and other S3-compatible stores.
//
// Uploads stream: bytes fill one part buffer of `part_size` (>= 5 MiB). An object that ends
// before the first part is full goes up in one PutObject; otherwise a multipart upload is
// created and each full part is sent as soon as it is full (all parts the same size, the last
// one smaller, as R2 requires). A full part is sent on a thread of its own while the writer
// fills the next one, so that encoding does not wait for the network: one part in flight per
// store at a time (another upload of the store finding it taken sends its part itself, as
// before), so a store needs one part of memory per upload plus one. The next part waits for
// the one in flight; a part's failure is thrown by the upload's next write() that finds it
// over, by the write() that sends the next part, by wait_parts() or by commit(), and the
// upload is then aborted. The object appears only at CompleteMultipartUpload, sent once every
// part is in; any failure, an abort() or destroying an uncommitted upload sends
// AbortMultipartUpload, after the part in flight ended (its attempt running finishes, and it is
// not retried). A CompleteMultipartUpload that answers 200 with an <Error> body is a failure.
//
// Every request is retried on its own (each part separately) by net/pacer.h: 5xx (but 501
// NotImplemented), 429, SlowDown and transport errors; other 4xx fail at once with a StorageError naming the
// operation, bucket, key, HTTP status, S3's error code and message. Only one checksum is sent
// per request (x-amz-content-sha256), as R2 rejects requests carrying two; DeleteObjects, which
// AWS refuses without Content-MD5, also carries Content-MD5 (R2 accepts that pair).
//
// The store is thread-safe (each request borrows an HTTP client from a pool); an upload is used
// by one thread (besides its own part thread) and must not outlive its store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "storage/object_store.h"

namespace aesync {

struct S3Options {
  std::string endpoint;  //!< "https://<account>.r2.cloudflarestorage.com" (no trailing '/')
  std::string bucket;
  std::string region = "auto";
  std::string access_key_id;
  std::string secret_access_key;
  bool insecure_skip_verify = false;
  int max_retries = 6;
  int64_t timeout_seconds = 120;
  size_t part_size = size_t{8} << 20;
};

class S3Store final : public ObjectStore {
 public:
  explicit S3Store(S3Options options);
  ~S3Store() override;

  std::unique_ptr<ObjectUpload> begin_upload(const std::string& key) override;
  std::optional<std::string> get(const std::string& key) override;
  std::optional<ObjectInfo> head(const std::string& key) override;
  std::vector<ObjectInfo> list(const std::string& prefix) override;
  void remove(const std::string& key) override;
  std::string describe(const std::string& key) const override;

  //! PutObject with If-None-Match: * or If-Match: <etag>.
  std::optional<std::string> put_if(const std::string& key, std::string_view data,
                                    const WriteCondition& condition) override;
  //! GetObject, with the ETag.
  std::optional<VersionedObject> get_versioned(const std::string& key) override;
  //! Deletes many objects with DeleteObjects, 1000 keys per request.
  void remove_many(const std::vector<std::string>& keys) override;
  //! Streams an object's body to `on_body`; false if it does not exist.
  bool get_streaming(const std::string& key, const std::function<void(const char*, size_t)>& on_body);
  //! ListMultipartUploads under `prefix` (left behind by a killed run). A store that does not
  //! implement it (501 NotImplemented, or a 400/405 with code NotImplemented) has none: one
  //! warning, and the store is not asked again.
  std::vector<PendingUpload> list_pending_uploads(const std::string& prefix) override;
  void abort_pending_upload(const PendingUpload& upload) override;

  const S3Options& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aesync
