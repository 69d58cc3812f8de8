// The PostHog API client (docs/posthog.md): one JSON request at a time to <posthog.host><path>, with the
// personal API key as a Bearer token, retried through net/pacer.h (429, 5xx, transport failures;
// a rejected TLS certificate is not retried). A failure throws Error "posthog: <METHOD> <path>:
// <reason>", the reason quoting PostHog's words (error_text()); the key is never quoted or
// logged (it travels only in the Authorization header, and the log redacts it besides).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "config/config.h"
#include "net/http_client.h"
#include "net/retry.h"

namespace aesync::posthog {

//! PostHog's words for a failed request: the `detail` of its JSON error body (DRF's format), or
//! the body as it came when it is not that; trimmed and through aesync::shown() (at most 2000
//! bytes, secrets redacted).
std::string error_text(std::string_view body);

class Client {
 public:
  explicit Client(const PostHogConfig& config);

  //! Sends one request (retried) and returns the parsed 2xx answer (null when the body is
  //! empty), valid until the next call. Anything else throws Error with PostHog's words.
  simdjson::dom::element call(const std::string& method, const std::string& path, const std::string& body = {});

 private:
  const PostHogConfig& config_;
  net::RetryPolicy policy_;
  net::HttpClient http_;
  simdjson::dom::parser parser_;
  std::string body_;  // owns the bytes the last answer's elements point into
};

}  // namespace aesync::posthog
