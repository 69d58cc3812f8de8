#include "posthog/client.h"

#include "net/pacer.h"
#include "util/error.h"
#include "util/text.h"

namespace aesync::posthog {

namespace {

// PostHog runs a DESCRIBE over the bucket on create/update/refresh: give it time.
constexpr int64_t kRequestTimeoutSeconds = 180;
constexpr int kMaxRetries = 6;
constexpr size_t kMaxErrorText = 2000;

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
  auto attempt = [&](int) -> net::Outcome {
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
    std::string reason = "HTTP " + std::to_string(response.status);
    const std::string text = error_text(response.body);
    if (!text.empty()) reason += ": " + text;
    if (!net::retryable_status(response.status)) return net::Outcome::fatal(std::move(reason), response.status);
    return net::Outcome::retry(std::move(reason), response.status, net::retry_after_of(response));
  };
  net::run_with_retries(policy_, net::RetryTarget::PostHog, what, attempt,
                        [&](const std::string& reason) { throw Error("posthog: " + what + ": " + reason); });
  return doc;
}

}  // namespace aesync::posthog
