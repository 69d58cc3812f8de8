// One HTTP client for every remote peer (AE/ClickHouse sources, S3/R2, PostHog), over libcurl.
//
// send() makes exactly one attempt; retrying is net/pacer.h's (with the policy of net/retry.h),
// so that every caller retries the same way. A client keeps one curl handle, so consecutive
// requests to the same host reuse the connection (keep-alive, TLS session). A client is not
// thread-safe: use one per thread (each running partition has its own).
//
// Bodies: the request body is a byte range the caller owns (SQL text, one multipart part). The
// response body is collected into Response::body, or, when `on_body` is given and the status is
// 2xx, streamed to it in the chunks curl delivers (an AE window, a large GetObject) so that no
// body is ever held whole. Error responses (non-2xx) are always collected, for their message.
//
// TLS certificates and host names are always verified, unless ClientOptions::insecure_skip_verify
// (test endpoints only). Failures of the transport itself (DNS, connect, TLS, reset, timeout)
// throw NetworkError naming the method and the URL without its query string or credentials (a
// certificate that is not trusted also names the host: "...: TLS certificate of <host> not
// trusted: SSL certificate problem: ..."); a cancelled run (util/cancel.h) throws
// CancelledError, noticed at the next body chunk or within about a second while waiting. The
// URL is sent as given (no path normalisation), so what SigV4 signed is what goes out. Nothing
// here logs headers: callers put secrets only in headers (Authorization), never in URLs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace aesync::net {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method = "GET";  //!< GET, PUT, POST, DELETE, HEAD
  std::string url;             //!< absolute http(s) URL, already percent-encoded
  std::vector<Header> headers;
  std::string_view body;  //!< sent as is; Content-Length is set from its size
  int64_t timeout_seconds = 120;
  //! A clean-up request (AbortMultipartUpload) that still goes out after the run was
  //! cancelled; give it a short timeout so that shutdown stays prompt.
  bool ignore_cancel = false;
};

struct Response {
  long status = 0;
  std::vector<Header> headers;  //!< names lower-cased
  std::string body;             //!< empty when streamed to on_body
  //! The first header of that (lower-case) name, or nullopt.
  std::optional<std::string> header(std::string_view lower_name) const;
};

//! A transport failure: no HTTP response was received. Always worth a retry.
class NetworkError : public Error {
 public:
  using Error::Error;
  bool timed_out = false;  //!< the request exceeded its timeout
  //! The server's TLS certificate was not trusted (or did not name the host): retrying cannot
  //! help. The message names the host and says why ("SSL certificate problem: ...").
  bool certificate_rejected = false;
  //! The host name did not resolve, or the host refused the connection: nothing listens there
  //! (a typo, a stopped service). The retry loop tries such a host at most twice (net/pacer.h).
  bool unreachable = false;
};

//! Thrown by send() when the run was cancelled (SIGTERM/SIGINT) during a transfer.
class CancelledError : public Error {
 public:
  using Error::Error;
};

struct ClientOptions {
  bool insecure_skip_verify = false;  //!< test endpoints only
  //! At most kFailFastConnectTimeoutSeconds while a net::FailFastScope lives (net/retry.h).
  int64_t connect_timeout_seconds = 30;
  std::string user_agent;  //!< default "aesync/<version>"
};

using BodyCallback = std::function<void(const char* data, size_t size)>;

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  //! One attempt. Throws NetworkError / CancelledError; whatever on_body throws propagates
  //! (the transfer is aborted).
  Response send(const Request& request, const BodyCallback& on_body = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

//! "https://host/path" of a URL, without query string or fragment, and with any user:password@
//! masked as "***@" (for messages).
std::string url_for_messages(std::string_view url);

//! "host[:port]" of an absolute URL (without any user:password@).
std::string url_host(std::string_view url);

//! RFC 3986 percent-encoding: unreserved characters (A-Z a-z 0-9 - _ . ~) kept, others %XX
//! (upper-case hex); '/' kept when `keep_slash`.
std::string uri_encode(std::string_view s, bool keep_slash);

}  // namespace aesync::net
