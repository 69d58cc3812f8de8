// AWS Signature Version 4 for S3-compatible stores (AWS S3, Cloudflare R2, MinIO).
//
// sign() adds x-amz-date, x-amz-content-sha256 (the payload's SHA-256: aesync never sends
// unsigned payloads) and Authorization to a request whose method, URL and other headers are
// final. Signed headers: host (from the URL, with the port when it is not the scheme's
// default), every x-amz-* header, content-type and content-md5 when present. The canonical
// URI is the URL's path as sent (S3 does not normalise or double-encode it); the canonical
// query string sorts the parameters by name and value, each encoded per RFC 3986.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.h"

namespace aesync {

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region = "auto";
  std::string service = "s3";
};

//! Signs `request` for time `now_seconds` (unix). `payload_sha256_hex`: SHA-256 of the body.
void sigv4_sign(net::Request& request, const SigV4Credentials& credentials, std::string_view payload_sha256_hex,
                int64_t now_seconds);

//! The pieces of a signature, exposed for tests and debugging (never logged: the signing key is
//! derived from the secret).
struct SigV4Parts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string authorization;
};
SigV4Parts sigv4_compute(const net::Request& request, const SigV4Credentials& credentials,
                         std::string_view payload_sha256_hex, int64_t now_seconds);
//! As above, also signing the headers named in `extra_signed_headers` that the request carries
//! (AWS's published examples sign Range and Date, which aesync's requests never need to).
SigV4Parts sigv4_compute(const net::Request& request, const SigV4Credentials& credentials,
                         std::string_view payload_sha256_hex, int64_t now_seconds,
                         const std::vector<std::string>& extra_signed_headers);

//! HMAC-SHA256 of `data` under `key`: the 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

}  // namespace aesync
