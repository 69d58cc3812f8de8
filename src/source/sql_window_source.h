// The window logic shared by the remote sources (AE SQL API, ClickHouse HTTP interface): SQL
// text, one HTTP POST per query whose 2xx body streams into a JsonEachRowReader, and the
// retry/split rules of docs/ae-sql-api.md (window_source.h states the contract).
//
// Per request the outcome is classified once:
//   - 2xx, body read to its end            -> done;
//   - 422, 507, a timeout                  -> the window is split in halves (fetch only; a window
//                                             of 60 s or less is not split: error);
//   - 429, other 5xx, another network error, or a body that is cut off or holds a line that is
//     not a row, *before any row reached the consumer* -> retried (net/pacer.h; Retry-After
//     honoured), at most `max_retries` times, then "failed after N attempts: <last reason>";
//   - anything else (400, 401, 403, 404, a rejected TLS certificate...) -> error at once, with
//     the server's text;
//   - a failure once rows of this request reached the consumer -> SourceError whose
//     rows_delivered counts every row this fetch() delivered: the caller restarts the partition.
// Every attempt first takes a token of the process's request budget (net/request_budget.h, one
// per source.max_requests_per_minute, shared by every source of the process); a 429 with
// Retry-After pauses that budget until then, so the other workers wait too.
// An exception thrown by the caller's consumer passes through unchanged and is never retried.
// Every SourceError message starts with "window [<start>, <end>): " (the window or half being
// fetched); the probe's start with the source's describe(). The server's text is quoted trimmed
// and through aesync::shown() (util/text.h), at most 500 bytes; no header value (token,
// password) is ever quoted or logged. Attempts, waits, retry logs and metrics are net/pacer.h's.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.h"
#include "net/pacer.h"
#include "net/request_budget.h"
#include "net/retry.h"
#include "source/window_source.h"

namespace aesync {

class SqlWindowSource : public WindowSource {
 public:
  FetchStats fetch(const Window& window, const std::vector<RawColumn>& columns, RowConsumer& consumer) override;
  WindowCounts count(const Window& window) override;
  std::vector<HistogramBucket> histogram(const Window& span, int64_t bucket_seconds) override;
  std::string histogram_sql(const Window& span, int64_t bucket_seconds) const override;
  std::string probe() override;

  //! `SELECT count() AS rows, sum(_sample_interval) AS sample_weight FROM <from> WHERE <bounds>
  //! FORMAT JSONEachRow`
  std::string count_sql(const Window& window) const;
  //! `SELECT count() AS rows FROM <from> WHERE timestamp >= toDateTime(<since>) FORMAT JSONEachRow`
  std::string probe_sql(int64_t since_seconds) const;

  //! A window this long or shorter is not split: a size/time failure is then an error.
  static constexpr int64_t kMinSplitSeconds = 60;

 protected:
  //! `from_sql`: the table as it appears after FROM (already validated/quoted by the subclass).
  SqlWindowSource(const SourceConfig& config, std::string from_sql);

  //! The POST carrying `sql` (URL, authentication and content headers; body = `sql`, which the
  //! caller keeps alive for the request's duration).
  virtual net::Request make_request(const std::string& sql) const = 0;

  const std::string& from_sql() const { return from_sql_; }
  //! "timestamp >= toDateTime(<start>) AND timestamp < toDateTime(<end>)"
  static std::string bounds_sql(const Window& window);

 private:
  void fetch_range(const Window& window, const std::vector<RawColumn>& columns, size_t weight_index,
                   RowConsumer& consumer, FetchStats& stats);
  //! Runs `attempt` through net::run_with_retries, each attempt after a token of the request
  //! budget (a 429's Retry-After pauses the budget), counting every request (FetchStats, the
  //! aesync_source_requests_total metric) and its retries; returns the outcome (done or split).
  //! Throws SourceError for the rest, opening its message with `context` (also the log's `what`)
  //! and setting rows_delivered to `delivered` as it is then (the attempts may raise it).
  net::Outcome run_query(const std::string& context, const uint64_t& delivered, FetchStats& stats,
                         const std::function<net::Outcome()>& attempt);
  //! An aggregate query (count, probe) with a collected body, retried while it fails or while
  //! `check` throws InputError on its answer; throws SourceError.
  void run_small_query(const std::string& context, const std::string& sql,
                       const std::function<void(std::string_view)>& check);

  std::string from_sql_;
  int64_t timeout_seconds_;
  net::RetryPolicy policy_;
  //! The process's budget for source.max_requests_per_minute, shared with every other source.
  std::shared_ptr<net::RequestBudget> budget_;
  net::HttpClient client_;
};

//! An identifier for the SQL: `name` bare, or double-quoted when it holds '-' (AE requires it).
//! Throws ConfigError naming `key` unless `name` matches [A-Za-z_][A-Za-z0-9_-]* (dashes only
//! when `allow_dash`).
std::string sql_identifier(std::string_view name, bool allow_dash, std::string_view key);

std::unique_ptr<WindowSource> open_ae_source(const SourceConfig& config);
std::unique_ptr<WindowSource> open_clickhouse_source(const SourceConfig& config);

}  // namespace aesync
