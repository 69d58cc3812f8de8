// The PostHog API client (docs/posthog.md): one JSON request at a time to <posthog.host><path>, with the
// personal API key as a Bearer token, retried through net/pacer.h (429, 5xx, transport failures;
// a rejected TLS certificate is not retried). A failure throws Error "posthog: <METHOD> <path>:
// <reason>", the reason quoting PostHog's words (error_text()); an error answer of PostHog's
// throws its subclass ApiError, which carries the HTTP status (a 403 is a missing scope, or an
// endpoint an older self-hosted PostHog refuses, which the commands turn into a warning). The
// key is never quoted or logged (it travels only in the Authorization header, and the log
// redacts it besides).
#pragma once

#include <simdjson.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "net/http_client.h"
#include "net/retry.h"
#include "util/error.h"

namespace aesync::posthog {

//! PostHog's words for a failed request: the `detail` of its JSON error body (DRF's format), or
//! the body as it came when it is not that; trimmed and through aesync::shown() (at most 2000
//! bytes, secrets redacted).
std::string error_text(std::string_view body);

//! PostHog answered a request with an error status (after the retries it deserved).
class ApiError : public Error {
 public:
  ApiError(const std::string& message, long status) : Error(message), status_(status) {}
  long status() const { return status_; }

 private:
  long status_;
};

//! The path and query to ask for the page after this one of the list at `list_path` (an API
//! path without query, e.g. "/api/projects/1/warehouse_view_links/"), from a page's `next`
//! (DRF's absolute URL, e.g. "https://us.posthog.com/api/projects/1/warehouse_view_links/?
//! limit=100&offset=100"); nullopt when `next` is empty (the last page). Only the path and the
//! query are taken: the request stays on the configured host (a proxy may make PostHog write
//! its own idea of the host into `next`, and the key must go nowhere else). Throws Error when
//! `next` is not a page of that same list.
std::optional<std::string> next_page_path(std::string_view next, std::string_view list_path);

class Client {
 public:
  explicit Client(const PostHogConfig& config);

  //! Sends one request (retried) and returns the parsed 2xx answer (null when the body is
  //! empty), valid until the next call. Anything else throws Error with PostHog's words.
  simdjson::dom::element call(const std::string& method, const std::string& path, const std::string& body = {});

  //! GETs every page of the list at `list_path` (DRF pagination: `results`, `next`; PostHog
  //! gives 100 per page) and calls `on_item` with each result, in order, until it returns false.
  //! The first request is `list_path` as given (it may hold a query); the next ones follow
  //! `next` (next_page_path()). A bare JSON list is taken as the one page; an answer without
  //! `results` has no items. Throws Error for a `next` that leaves the list or repeats itself.
  void for_each_result(const std::string& list_path, const std::function<bool(simdjson::dom::element)>& on_item);

 private:
  const PostHogConfig& config_;
  net::RetryPolicy policy_;
  net::HttpClient http_;
  simdjson::dom::parser parser_;
  std::string body_;  // owns the bytes the last answer's elements point into
};

}  // namespace aesync::posthog
