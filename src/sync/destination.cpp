#include "sync/destination.h"

#include "storage/local_store.h"
#include "storage/s3_store.h"

namespace aesync {

std::unique_ptr<ObjectStore> open_destination(const Config& config) {
  const DestinationConfig& d = config.destination;
  if (d.type == "local") return std::make_unique<LocalStore>(d.path);
  S3Options o;
  o.endpoint = d.endpoint;
  o.bucket = d.bucket;
  o.region = d.region;
  o.access_key_id = d.access_key_id;
  o.secret_access_key = d.secret_access_key;
  o.insecure_skip_verify = d.insecure_skip_verify;
  // The source's retry budget and timeout apply to every remote peer of a run.
  o.max_retries = config.source.max_retries;
  o.timeout_seconds = config.source.timeout_seconds;
  return std::make_unique<S3Store>(std::move(o));
}

}  // namespace aesync
