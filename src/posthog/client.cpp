#include "posthog/client.h"

#include <set>

#include "net/pacer.h"
#include "util/error.h"
#include "util/text.h"

namespace aesync::posthog {

namespace {

// PostHog runs a DESCRIBE over the bucket on create/update/refresh: give it time.
constexpr int64_t kRequestTimeoutSeconds = 180;
constexpr int kMaxRetries = 6;
constexpr size_t kMaxErrorText = 2000;
// More pages than any project has (100 results each): a server that never stops is an error.
constexpr int kMaxPages = 10000;

}  // namespace

std::string error_text(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (!parser.parse(body.data(), body.size()).get(doc)) {
    std::string_view detail;
    if (!doc["detail"].get_string().get(detail)) return shown(trim(detail), kMaxErrorText);
  }
  return shown(trim(body), kMaxErrorText);
}

std::optional<std::string> next_page_path(std::string_view next, std::string_view list_path) {
  next = trim(next);
  if (next.empty()) return std::nullopt;
  std::string_view rest = next;
  // An absolute URL: drop scheme and authority. (A relative one is taken as it is.)
  if (const size_t scheme = rest.find("://"); scheme != std::string_view::npos && rest.find('/') > scheme) {
    rest.remove_prefix(scheme + 3);
    const size_t path = rest.find('/');
    rest = path == std::string_view::npos ? std::string_view() : rest.substr(path);
  }
  const std::string_view path = rest.substr(0, rest.find('?'));
  if (path != list_path)
    throw Error("posthog: GET " + std::string(list_path) + ": the next page " + shown(next, 200) +
                " is not a page of this list");
  return std::string(rest);
}

Client::Client(const PostHogConfig& config) : config_(config), policy_(net::RetryPolicy::with_retries(kMaxRetries)) {}

simdjson::dom::element Client::call(const std::string& method, const std::string& path, const std::string& body) {
  net::Request request;
  request.method = method;
  request.url = config_.host + path;
  request.timeout_seconds = kRequestTimeoutSeconds;
  request.headers = {{"Authorization", "Bearer " + config_.api_key}, {"Accept", "application/json"}};
  if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
  request.body = body;
  const std::string what = method + " " + path;

  simdjson::dom::element doc;
  long error_status = 0;  // the status of PostHog's last error answer, 0 for none
  auto attempt = [&](int) -> net::Outcome {
    error_status = 0;
    net::Response response;
    try {
      response = http_.send(request);
    } catch (const net::CancelledError&) {
      return net::Outcome::fatal("cancelled");
    } catch (const net::NetworkError& e) {
      return net::Outcome::network(e);
    }
    if (response.status >= 200 && response.status <= 299) {
      body_ = std::move(response.body);
      if (trim(body_).empty()) body_ = "null";
      if (parser_.parse(body_).get(doc))
        return net::Outcome::fatal("HTTP " + std::to_string(response.status) +
                                   ": the answer is not JSON: " + shown(trim(body_), kMaxErrorText));
      return net::Outcome::done();
    }
    error_status = response.status;
    std::string reason = "HTTP " + std::to_string(response.status);
    const std::string text = error_text(response.body);
    if (!text.empty()) reason += ": " + text;
    if (!net::retryable_status(response.status)) return net::Outcome::fatal(std::move(reason), response.status);
    return net::Outcome::retry(std::move(reason), response.status, net::retry_after_of(response));
  };
  net::run_with_retries(policy_, net::RetryTarget::PostHog, what, attempt, [&](const std::string& reason) {
    if (error_status != 0) throw ApiError("posthog: " + what + ": " + reason, error_status);
    throw Error("posthog: " + what + ": " + reason);
  });
  return doc;
}

void Client::for_each_result(const std::string& list_path, const std::function<bool(simdjson::dom::element)>& on_item) {
  const std::string list = list_path.substr(0, list_path.find('?'));
  std::set<std::string> asked;
  std::optional<std::string> page = list_path;
  for (int n = 0; page; ++n) {
    if (n == kMaxPages || !asked.insert(*page).second)
      throw Error("posthog: GET " + list + ": the list does not end (page " + shown(*page, 200) + " again)");
    simdjson::dom::element answer = call("GET", *page);
    simdjson::dom::array results;
    std::string_view next;
    // A bare list is an unpaginated answer (one page); an answer without `results` has none.
    if (answer.get_array().get(results)) {
      if (answer["results"].get_array().get(results)) return;
      // Read before on_item: the answer's elements live until the next call.
      if (answer["next"].get_string().get(next)) next = {};
    }
    std::optional<std::string> following = next_page_path(next, list);
    for (simdjson::dom::element item : results)
      if (!on_item(item)) return;
    page = std::move(following);
  }
}

}  // namespace aesync::posthog
