// Remote sources (docs/sync.md, docs/ae-sql-api.md): the AE SQL API and ClickHouse's HTTP interface, both answering
// one SQL query per time window.
//
// A day is first asked for its histogram (rows and sum(_sample_interval) per 5-minute bucket):
//   SELECT intDiv(toUInt32(timestamp), 300) * 300 AS bucket, count() AS rows,
//     sum(_sample_interval) AS sample_weight FROM <dataset> WHERE <bounds> GROUP BY bucket
//     ORDER BY bucket FORMAT JSONEachRow
// A window [start, end) (unix seconds) is fetched as
//   SELECT <raw columns> FROM <dataset> WHERE timestamp >= toDateTime(<start>)
//     AND timestamp < toDateTime(<end>) ORDER BY timestamp FORMAT JSONEachRow
// and its body streams from the HTTP client straight into the JSONEachRow reader and on to
// the consumer: no window is held in memory. Requests are retried per net/retry.h (429 with
// Retry-After, 5xx, network errors) as long as no row of the window has reached the consumer.
// A window that fails for size or time (HTTP 422/507, a timeout) is split in halves, down to
// one minute, transparently (rows still arrive in order). 400/401/403 fail at once with the
// server's text. Every error is a SourceError naming the window.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "schema/raw_row.h"
#include "schema/schema.h"
#include "util/error.h"

namespace aesync {

struct Window {
  int64_t start = 0;  //!< unix seconds, inclusive
  int64_t end = 0;    //!< unix seconds, exclusive
  //! "[2026-02-03T00:00:00Z, 2026-02-03T01:00:00Z)"
  std::string describe() const;
  friend bool operator==(const Window&, const Window&) = default;
};

//! A failure of the source. `rows_delivered` > 0 means the consumer already received part of
//! the window: the caller must discard that partition's rows before trying again.
class SourceError : public Error {
 public:
  SourceError(const std::string& message, uint64_t delivered = 0) : Error(message), rows_delivered(delivered) {}
  uint64_t rows_delivered = 0;
};

struct WindowCounts {
  uint64_t rows = 0;
  int64_t sample_weight = 0;  //!< sum(_sample_interval)
};

//! One fine bucket of a span's histogram (WindowSource::histogram): its rows as the source
//! counts them. Only non-empty buckets are returned.
struct HistogramBucket {
  int64_t start = 0;  //!< unix seconds, a multiple of the bucket length
  uint64_t rows = 0;
  int64_t sample_weight = 0;  //!< sum(_sample_interval)
  friend bool operator==(const HistogramBucket&, const HistogramBucket&) = default;
};

//! The histogram's bucket length: days are planned (and windows cut) on these boundaries.
inline constexpr int64_t kHistogramBucketSeconds = 300;

struct FetchStats {
  uint64_t rows = 0;
  int64_t sample_weight = 0;
  uint64_t requests = 0;  //!< HTTP requests made, retries included
  uint64_t retries = 0;
  uint64_t splits = 0;  //!< windows split in halves
  uint64_t invalid_utf8_replaced = 0;
};

class WindowSource {
 public:
  virtual ~WindowSource() = default;

  //! Streams the window's rows (the raw `columns`, timestamp first; _sample_interval must be
  //! among them) to `consumer`, in timestamp order.
  virtual FetchStats fetch(const Window& window, const std::vector<RawColumn>& columns, RowConsumer& consumer) = 0;
  //! `count()` and `sum(_sample_interval)` for the same bounds (verification).
  virtual WindowCounts count(const Window& window) = 0;
  //! `count()` and `sum(_sample_interval)` per `bucket_seconds` bucket of `span` (buckets
  //! aligned on multiples of bucket_seconds since the epoch): the non-empty ones, in order. One
  //! query; a day is planned (and its windows checked) from it.
  virtual std::vector<HistogramBucket> histogram(const Window& span, int64_t bucket_seconds) = 0;
  //! The SQL histogram() sends (dry runs show it).
  virtual std::string histogram_sql(const Window& span, int64_t bucket_seconds) const = 0;
  //! The SQL fetch() sends for a window (dry runs show it).
  virtual std::string fetch_sql(const Window& window, const std::vector<RawColumn>& columns) const = 0;
  //! A cheap query proving the endpoint and credentials work (`check`); returns what it saw.
  virtual std::string probe() = 0;
  //! "analytics-engine dataset machine_metrics (account 0123...)" for messages.
  virtual std::string describe() const = 0;
};

}  // namespace aesync
