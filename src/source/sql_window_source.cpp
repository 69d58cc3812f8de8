#include "source/sql_window_source.h"

#include <simdjson.h>

#include <charconv>
#include <stdexcept>

#include "source/jsoneachrow_reader.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/text.h"
#include "util/time.h"

namespace aesync {

namespace {

constexpr size_t kServerTextBytes = 500;  // bytes of an error response quoted in a message
constexpr size_t kSnippetBytes = 120;     // bytes of an unexpected answer quoted in a message

bool is_2xx(long status) { return status >= 200 && status <= 299; }

// The server's text of an error response, for a message.
std::string server_text(std::string_view body) { return shown(trim(body), kServerTextBytes); }

// Forwards rows to the caller's consumer, counting them (before the call: a row the consumer
// saw, even one it threw on, counts as delivered) and remembering whether the consumer threw, so
// that its own exceptions are told apart from the reader's.
class CountingConsumer final : public RowConsumer {
 public:
  CountingConsumer(RowConsumer& inner, size_t weight_index) : inner_(inner), weight_index_(weight_index) {}
  void on_row(const RawRow& row) override {
    ++rows;
    weight += row[weight_index_].i;
    try {
      inner_.on_row(row);
    } catch (...) {
      consumer_failed = true;
      throw;
    }
  }
  uint64_t rows = 0;
  int64_t weight = 0;
  bool consumer_failed = false;

 private:
  RowConsumer& inner_;
  size_t weight_index_;
};

// A non-2xx answer: split (422, 507; a fetch only), retried (429, 5xx) or fatal.
net::Outcome status_outcome(const net::Response& response, bool split_allowed) {
  std::string reason = "HTTP " + std::to_string(response.status);
  const std::string text = server_text(response.body);
  if (!text.empty()) reason += ": " + text;
  if (split_allowed && (response.status == 422 || response.status == 507))
    return net::Outcome::split(std::move(reason), response.status);
  if (net::retryable_status(response.status))
    return net::Outcome::retry(std::move(reason), response.status, net::retry_after_of(response));
  return net::Outcome::fatal(std::move(reason), response.status);
}

// An integer field of a count answer: a JSON integer, an integral double, a numeric string
// ("12345", as 64-bit integers come quoted), or null (sum() of nothing in some engines) when
// `null_is_zero`.
int64_t integer_field(simdjson::dom::object& object, std::string_view key, bool null_is_zero) {
  simdjson::dom::element value;
  if (object[key].get(value)) throw InputError("missing key \"" + std::string(key) + "\"");
  auto bad = [&]() -> InputError {
    return InputError("\"" + std::string(key) + "\": expected an integer, got " +
                      shown(simdjson::to_string(value), kSnippetBytes));
  };
  switch (value.type()) {
    case simdjson::dom::element_type::INT64: return value.get_int64().value_unsafe();
    case simdjson::dom::element_type::UINT64: {
      const uint64_t u = value.get_uint64().value_unsafe();
      if (u > static_cast<uint64_t>(INT64_MAX)) throw bad();
      return static_cast<int64_t>(u);
    }
    case simdjson::dom::element_type::DOUBLE: {
      const double d = value.get_double().value_unsafe();
      if (!(d >= -9.2e18 && d <= 9.2e18) || d != static_cast<double>(static_cast<int64_t>(d))) throw bad();
      return static_cast<int64_t>(d);
    }
    case simdjson::dom::element_type::STRING: {
      const std::string_view s = value.get_string().value_unsafe();
      int64_t out = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (s.empty() || ec != std::errc() || p != s.data() + s.size()) throw bad();
      return out;
    }
    case simdjson::dom::element_type::NULL_VALUE:
      if (null_is_zero) return 0;
      throw bad();
    default: throw bad();
  }
}

// The one JSONEachRow line of an aggregate answer, as an object. Throws InputError.
simdjson::dom::object single_object(simdjson::dom::parser& parser, std::string_view body) {
  body = trim(body);
  if (body.empty()) throw InputError("empty answer");
  if (body.find('\n') != std::string_view::npos)
    throw InputError("more than one line in the answer: " + shown(body, kSnippetBytes));
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size()).get(object))
    throw InputError("not a JSON object: " + shown(body, kSnippetBytes));
  return object;
}

}  // namespace

SqlWindowSource::SqlWindowSource(const SourceConfig& config, std::string from_sql)
    : from_sql_(std::move(from_sql)),
      timeout_seconds_(config.timeout_seconds),
      policy_(net::RetryPolicy::with_retries(config.max_retries)),
      budget_(net::RequestBudget::shared_for(config.max_requests_per_minute)),
      client_([&] {
        net::ClientOptions options;
        options.insecure_skip_verify = config.insecure_skip_verify;
        return options;
      }()) {}

std::string SqlWindowSource::bounds_sql(const Window& window) {
  return "timestamp >= toDateTime(" + std::to_string(window.start) + ") AND timestamp < toDateTime(" +
         std::to_string(window.end) + ")";
}

std::string SqlWindowSource::count_sql(const Window& window) const {
  return "SELECT count() AS rows, sum(_sample_interval) AS sample_weight FROM " + from_sql_ + " WHERE " +
         bounds_sql(window) + " FORMAT JSONEachRow";
}

std::string SqlWindowSource::histogram_sql(const Window& span, int64_t bucket_seconds) const {
  const std::string b = std::to_string(bucket_seconds);
  return "SELECT intDiv(toUInt32(timestamp), " + b + ") * " + b +
         " AS bucket, count() AS rows, sum(_sample_interval) AS sample_weight FROM " + from_sql_ + " WHERE " +
         bounds_sql(span) + " GROUP BY bucket ORDER BY bucket FORMAT JSONEachRow";
}

std::string SqlWindowSource::probe_sql(int64_t since_seconds) const {
  return "SELECT count() AS rows FROM " + from_sql_ + " WHERE timestamp >= toDateTime(" +
         std::to_string(since_seconds) + ") FORMAT JSONEachRow";
}

FetchStats SqlWindowSource::fetch(const Window& window, const std::vector<RawColumn>& columns, RowConsumer& consumer) {
  if (window.end <= window.start) throw std::invalid_argument("fetch(): empty window " + window.describe());
  size_t weight_index = columns.size();
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].kind == RawColumn::Kind::SampleInterval) weight_index = i;
  if (weight_index == columns.size())
    throw std::invalid_argument("fetch(): _sample_interval must be among the requested columns");
  FetchStats stats;
  fetch_range(window, columns, weight_index, consumer, stats);
  return stats;
}

void SqlWindowSource::fetch_range(const Window& window, const std::vector<RawColumn>& columns, size_t weight_index,
                                  RowConsumer& consumer, FetchStats& stats) {
  const std::string context = "window " + window.describe();
  const std::string sql = fetch_sql(window, columns);
  net::Request request = make_request(sql);
  request.timeout_seconds = timeout_seconds_;

  // Everything this fetch() has handed to the consumer so far, earlier halves included.
  uint64_t delivered = stats.rows;
  auto attempt = [&]() -> net::Outcome {
    CountingConsumer counter(consumer, weight_index);
    JsonEachRowReader reader(columns, counter);
    net::Response response;
    try {
      response = client_.send(request, [&reader](const char* data, size_t size) { reader.feed(data, size); });
      // A body cut off mid-line that still ended cleanly (no Content-Length) fails here.
      if (is_2xx(response.status)) reader.finish();
    } catch (const net::CancelledError&) {
      if (counter.consumer_failed) throw;
      delivered = stats.rows + counter.rows;
      return net::Outcome::fatal("cancelled");
    } catch (const net::NetworkError& e) {
      if (counter.consumer_failed) throw;
      delivered = stats.rows + counter.rows;
      if (e.certificate_rejected) return net::Outcome::network(e);  // fatal: it stays untrusted
      // Rows already went out: a retry would deliver them twice.
      if (counter.rows > 0)
        return net::Outcome::fatal(std::string(e.what()) + " (after " + std::to_string(counter.rows) + " rows)");
      if (e.timed_out) return net::Outcome::split(e.what());
      return net::Outcome::network(e);  // an unreachable host is retried once at most
    } catch (const InputError& e) {
      if (counter.consumer_failed) throw;
      delivered = stats.rows + counter.rows;
      if (counter.rows > 0) return net::Outcome::fatal(e.what());
      return net::Outcome::retry(e.what());
    }
    if (!is_2xx(response.status)) return status_outcome(response, true);
    stats.rows += counter.rows;
    stats.sample_weight += counter.weight;
    stats.invalid_utf8_replaced += reader.invalid_utf8_replaced();
    return net::Outcome::done();
  };

  const net::Outcome outcome = run_query(context, delivered, stats, attempt);
  if (outcome.kind != net::Outcome::Kind::Split) return;
  const int64_t length = window.end - window.start;
  if (length <= kMinSplitSeconds)
    throw SourceError(
        context + ": " + outcome.reason + " (a window of " + std::to_string(length) + " s is not split further)",
        stats.rows);
  const Window first{window.start, window.start + length / 2};
  const Window second{first.end, window.end};
  ++stats.splits;
  log::info("splitting source window", {{"window", window.describe()}, {"reason", outcome.reason}});
  fetch_range(first, columns, weight_index, consumer, stats);
  fetch_range(second, columns, weight_index, consumer, stats);
}

net::Outcome SqlWindowSource::run_query(const std::string& context, const uint64_t& delivered, FetchStats& stats,
                                        const std::function<net::Outcome()>& attempt) {
  auto counted = [&](int n) {
    // Every attempt, retries included, spends the shared budget (a cancelled wait sends nothing).
    if (!budget_->acquire()) return net::Outcome::fatal("cancelled");
    ++stats.requests;
    if (n > 1) ++stats.retries;
    net::Outcome outcome = attempt();
    // The API refuses every call of the user until then: hold back the other workers too.
    if (outcome.status == 429 && outcome.retry_after) budget_->pause_for(*outcome.retry_after);
    // Every success is counted as "200" (the APIs answer 200); an error without a response
    // (network, timeout, a bad body) as "error".
    const std::string status = outcome.kind == net::Outcome::Kind::Done ? "200"
                               : outcome.status                         ? std::to_string(outcome.status)
                                                                        : "error";
    metrics::global().add("aesync_source_requests_total", 1, "status=\"" + status + "\"");
    return outcome;
  };
  return net::run_with_retries(policy_, net::RetryTarget::Source, context, counted, [&](const std::string& reason) {
    throw SourceError(context + ": " + reason, delivered);
  });
}

void SqlWindowSource::run_small_query(const std::string& context, const std::string& sql,
                                      const std::function<void(std::string_view)>& check) {
  net::Request request = make_request(sql);
  request.timeout_seconds = timeout_seconds_;
  FetchStats stats;
  const uint64_t delivered = 0;
  auto attempt = [&]() -> net::Outcome {
    net::Response response;
    try {
      response = client_.send(request);
    } catch (const net::CancelledError&) {
      return net::Outcome::fatal("cancelled");
    } catch (const net::NetworkError& e) {
      return net::Outcome::network(e);  // a timeout too: an aggregate cannot be split, only retried
    }
    if (!is_2xx(response.status)) return status_outcome(response, false);
    try {
      check(response.body);
    } catch (const InputError& e) {
      return net::Outcome::retry(e.what());
    }
    return net::Outcome::done();
  };
  run_query(context, delivered, stats, attempt);
}

WindowCounts SqlWindowSource::count(const Window& window) {
  WindowCounts counts;
  simdjson::dom::parser parser;
  auto parse = [&](std::string_view body) {
    simdjson::dom::object object = single_object(parser, body);
    const int64_t rows = integer_field(object, "rows", false);
    if (rows < 0) throw InputError("\"rows\": negative count " + std::to_string(rows));
    counts.rows = static_cast<uint64_t>(rows);
    counts.sample_weight = integer_field(object, "sample_weight", true);
  };
  run_small_query("window " + window.describe(), count_sql(window), parse);
  return counts;
}

std::vector<HistogramBucket> SqlWindowSource::histogram(const Window& span, int64_t bucket_seconds) {
  if (bucket_seconds <= 0) throw std::invalid_argument("histogram(): bucket_seconds must be positive");
  std::vector<HistogramBucket> buckets;
  simdjson::dom::parser parser;
  // One line per non-empty bucket, in order; every bucket inside the span and on a boundary.
  auto parse = [&](std::string_view body) {
    buckets.clear();
    size_t line_no = 0;
    while (!body.empty()) {
      const size_t nl = body.find('\n');
      const std::string_view line = trim(body.substr(0, nl));
      body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
      ++line_no;
      if (line.empty()) continue;
      simdjson::dom::object object;
      if (parser.parse(line.data(), line.size()).get(object))
        throw InputError("histogram line " + std::to_string(line_no) +
                         ": not a JSON object: " + shown(line, kSnippetBytes));
      HistogramBucket b;
      b.start = integer_field(object, "bucket", false);
      const int64_t rows = integer_field(object, "rows", false);
      b.sample_weight = integer_field(object, "sample_weight", true);
      const std::string where = "histogram line " + std::to_string(line_no) + ": ";
      if (rows < 0) throw InputError(where + "\"rows\": negative count " + std::to_string(rows));
      b.rows = static_cast<uint64_t>(rows);
      if (b.start % bucket_seconds != 0 || b.start + bucket_seconds <= span.start || b.start >= span.end)
        throw InputError(where + "bucket " + std::to_string(b.start) + " is not a bucket of " + span.describe());
      if (!buckets.empty() && b.start <= buckets.back().start)
        throw InputError(where + "bucket " + std::to_string(b.start) + " is out of order");
      buckets.push_back(b);
    }
  };
  run_small_query("histogram " + span.describe(), histogram_sql(span, bucket_seconds), parse);
  return buckets;
}

std::string SqlWindowSource::probe() {
  int64_t rows = 0;
  simdjson::dom::parser parser;
  auto parse = [&](std::string_view body) {
    simdjson::dom::object object = single_object(parser, body);
    rows = integer_field(object, "rows", false);
  };
  run_small_query(describe(), probe_sql(now_seconds() - 3600), parse);
  return std::to_string(rows) + " rows in the last hour";
}

std::string sql_identifier(std::string_view name, bool allow_dash, std::string_view key) {
  auto head = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  bool ok = !name.empty() && head(name[0]);
  bool dash = false;
  for (size_t i = 1; ok && i < name.size(); ++i) {
    const char c = name[i];
    dash |= c == '-';
    ok = head(c) || (c >= '0' && c <= '9') || (allow_dash && c == '-');
  }
  if (!ok)
    throw ConfigError(std::string(key) + " \"" + shown(name, kSnippetBytes) +
                      "\" is not a valid identifier ([A-Za-z_][A-Za-z0-9_" + (allow_dash ? "-" : "") + "]*)");
  // The name can hold no '"' (checked above), so quoting it cannot be escaped from.
  return dash ? "\"" + std::string(name) + "\"" : std::string(name);
}

}  // namespace aesync
