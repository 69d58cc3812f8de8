// The remote window sources (AE SQL API, ClickHouse HTTP) against an in-process fake server: the
// SQL they send, the headers, streaming of rows, and the retry/split/error rules of docs/ae-sql-api.md with the
// exact messages.
//
// The fake is a small HTTP/1.1 server on raw sockets (not cpp-httplib): the tests need bodies
// cut off mid-line in two ways (a broken transfer, and a clean close-delimited end), and a
// response that never comes (until the client gives up), which a library server does not offer.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "source/sql_window_source.h"
#include "source/window_source.h"
#include "util/cancel.h"
#include "util/error.h"
#include "util/log.h"

namespace aesync {
namespace {

using K = RawColumn::Kind;

// 2026-02-03T00:00:00Z
constexpr int64_t W0 = 1770076800;
const Window kHour{W0, W0 + 3600};
const std::string kHourText = "window [2026-02-03T00:00:00Z, 2026-02-03T01:00:00Z)";
const char* kToken = "tok-Secret-9f8e7d";
const char* kAePath = "/client/v4/accounts/acc0123/analytics_engine/sql";

// ---------------------------------------------------------------------------------------------
// The fake server.

struct Req {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "<none>" : it->second;
  }
};

struct Reply {
  enum class End {
    Normal,          // Content-Length, whole body, connection kept
    Broken,          // the whole Content-Length announced, `cut_at` bytes sent, connection closed
    CloseDelimited,  // no Content-Length, `Connection: close`: the body ends when the server closes
    Stall,           // no answer at all; the connection is closed when the client gives up
  };
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  End end = End::Normal;
  size_t cut_at = 0;
};

Reply text_reply(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return r;
}

class FakeServer {
 public:
  using Handler = std::function<Reply(const Req&, size_t index)>;

  explicit FakeServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0)
      throw std::runtime_error("fake server: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~FakeServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(listen_fd_);
    {
      std::lock_guard lock(mutex_);
      for (int fd : conns_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  std::vector<Req> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<std::string> bodies() const {
    std::vector<std::string> out;
    for (const auto& r : requests()) out.push_back(r.body);
    return out;
  }

 private:
  void accept_loop() {
    for (;;) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (stopping_) return;
        continue;
      }
      std::lock_guard lock(mutex_);
      conns_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  static bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void serve(int fd) {
    std::string buf;
    char chunk[16384];
    auto fill = [&] {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buf.append(chunk, static_cast<size_t>(n));
      return true;
    };
    for (;;) {
      size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) return close_conn(fd);
      Req r;
      const std::string head = buf.substr(0, end);
      buf.erase(0, end + 4);
      const size_t line_end = head.find("\r\n");
      const std::string request_line = head.substr(0, line_end);
      const size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
      r.method = request_line.substr(0, sp1);
      r.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      for (size_t pos = line_end == std::string::npos ? head.size() : line_end + 2; pos < head.size();) {
        size_t e = head.find("\r\n", pos);
        if (e == std::string::npos) e = head.size();
        const std::string line = head.substr(pos, e - pos);
        const size_t colon = line.find(':');
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers[name] = value;
        pos = e + 2;
      }
      const size_t length = r.headers.count("content-length") ? std::stoull(r.headers["content-length"]) : 0;
      while (buf.size() < length)
        if (!fill()) return close_conn(fd);
      r.body = buf.substr(0, length);
      buf.erase(0, length);

      size_t index;
      {
        std::lock_guard lock(mutex_);
        index = requests_.size();
        requests_.push_back(r);
      }
      const Reply reply = handler_(r, index);
      if (reply.end == Reply::End::Stall) {
        // Wait for the client to give up (its timeout closes the connection).
        while (fill()) {
        }
        return close_conn(fd);
      }
      std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Fake\r\n";
      for (const auto& [n, v] : reply.headers) out += n + ": " + v + "\r\n";
      if (reply.end == Reply::End::CloseDelimited)
        out += "Connection: close\r\n";
      else
        out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
      out += "\r\n";
      out += reply.end == Reply::End::Broken ? reply.body.substr(0, reply.cut_at) : reply.body;
      if (!send_all(fd, out) || reply.end != Reply::End::Normal) return close_conn(fd);
    }
  }

  void close_conn(int fd) {
    std::lock_guard lock(mutex_);
    conns_.erase(std::find(conns_.begin(), conns_.end(), fd));
    ::close(fd);
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<int> conns_;
  std::vector<std::thread> workers_;
  std::vector<Req> requests_;
};

// ---------------------------------------------------------------------------------------------
// Helpers.

RawColumn col(std::string_view name) { return *RawColumn::parse(name); }

// The columns the fetch tests request: timestamp first, as the contract says.
const std::vector<RawColumn> kCols = {col("timestamp"), col("_sample_interval"), col("index1"), col("double1")};

// A row as text: "timestamp_ms|sample_interval|index1|double1".
class Recorder : public RowConsumer {
 public:
  void on_row(const RawRow& row) override {
    EXPECT_EQ(row.size, 4u);
    char d[64];
    std::snprintf(d, sizeof d, "%.17g", row[3].d);
    rows.push_back(std::to_string(row[0].i) + "|" + std::to_string(row[1].i) + "|" + std::string(row[2].s) + "|" + d);
    if (throw_at && rows.size() == throw_at) throw InputError("mapper: cannot map this row");
  }
  std::vector<std::string> rows;
  size_t throw_at = 0;
};

// An AE JSONEachRow line, keys in alphabetical order as AE sends them.
std::string ae_line(int64_t ts, int si, const std::string& index1, const std::string& double1) {
  // Seconds since W0 within the day of 2026-02-03.
  const int64_t s = ts - W0;
  char when[64];
  std::snprintf(when, sizeof when, "2026-02-03 %02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return "{\"_sample_interval\":" + std::to_string(si) + ",\"double1\":" + double1 + ",\"index1\":\"" + index1 +
         "\",\"timestamp\":\"" + when + "\"}\n";
}

std::string row_text(int64_t ts, int si, const std::string& index1, const std::string& double1) {
  return std::to_string(ts * 1000) + "|" + std::to_string(si) + "|" + index1 + "|" + double1;
}

std::string window_sql(int64_t start, int64_t end) {
  return "SELECT timestamp, _sample_interval, index1, double1 FROM machine_metrics WHERE timestamp >= toDateTime(" +
         std::to_string(start) + ") AND timestamp < toDateTime(" + std::to_string(end) +
         ") ORDER BY timestamp FORMAT JSONEachRow";
}

// Three rows of the hour: lines and the rows the consumer must see.
const std::string kThreeLines =
    ae_line(W0 + 5, 1, "m-1", "12.5") + ae_line(W0 + 65, 100, "m-2", "-3") + ae_line(W0 + 3599, 7, "m-1", "\"nan\"");
const std::vector<std::string> kThreeRows = {row_text(W0 + 5, 1, "m-1", "12.5"), row_text(W0 + 65, 100, "m-2", "-3"),
                                             row_text(W0 + 3599, 7, "m-1", "nan")};

SourceConfig ae_config(const FakeServer& server, int max_retries = 6) {
  SourceConfig c;
  c.type = SourceType::AnalyticsEngine;
  c.dataset = "machine_metrics";
  c.account_id = "acc0123";
  c.api_token = kToken;
  c.api_base = server.base() + "/client/v4/";
  c.timeout_seconds = 10;
  c.max_retries = max_retries;
  return c;
}

SourceError fetch_error(WindowSource& source, const Window& w, Recorder& rec) {
  try {
    source.fetch(w, kCols, rec);
  } catch (const SourceError& e) {
    return e;
  }
  ADD_FAILURE() << "fetch() did not throw SourceError";
  return SourceError("none");
}

class WindowSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Backoff base of 1 ms (cap 60 ms): retries wait milliseconds, not seconds.
    ::setenv("AESYNC_RETRY_BASE_MS", "1", 1);
    // These tests are not about the request budget (net/request_budget.h): no waiting for it.
    ::setenv("AESYNC_BUDGET_PER_MINUTE", "1000000", 1);
    cancel::reset();
  }
  void TearDown() override { cancel::reset(); }
};

// ---------------------------------------------------------------------------------------------
// Window, SQL text, describe, configuration.

TEST(WindowTest, DescribeIsHalfOpenRfc3339) {
  EXPECT_EQ(kHour.describe(), "[2026-02-03T00:00:00Z, 2026-02-03T01:00:00Z)");
  EXPECT_EQ((Window{0, 60}).describe(), "[1970-01-01T00:00:00Z, 1970-01-01T00:01:00Z)");
}

TEST(WindowSqlTest, AnalyticsEngineSqlExact) {
  SourceConfig c;
  c.account_id = "acc";
  c.api_token = "t";
  auto source = open_ae_source(c);
  EXPECT_EQ(source->fetch_sql(kHour, kCols), window_sql(W0, W0 + 3600));
  EXPECT_EQ(source->fetch_sql(kHour, Schema::builtin_machine_metrics().raw_columns()),
            "SELECT timestamp, index1, blob1, blob2, blob3, blob4, blob5, _sample_interval, double1, double2, double3, "
            "double4 FROM machine_metrics WHERE timestamp >= toDateTime(1770076800) AND timestamp < "
            "toDateTime(1770080400) ORDER BY timestamp FORMAT JSONEachRow");
  auto& sql = dynamic_cast<SqlWindowSource&>(*source);
  EXPECT_EQ(sql.count_sql(kHour),
            "SELECT count() AS rows, sum(_sample_interval) AS sample_weight FROM machine_metrics WHERE timestamp >= "
            "toDateTime(1770076800) AND timestamp < toDateTime(1770080400) FORMAT JSONEachRow");
  EXPECT_EQ(source->histogram_sql(Window{W0, W0 + 86400}, 300),
            "SELECT intDiv(toUInt32(timestamp), 300) * 300 AS bucket, count() AS rows, sum(_sample_interval) AS "
            "sample_weight FROM machine_metrics WHERE timestamp >= toDateTime(1770076800) AND timestamp < "
            "toDateTime(1770163200) GROUP BY bucket ORDER BY bucket FORMAT JSONEachRow");
  EXPECT_EQ(sql.probe_sql(1770073200),
            "SELECT count() AS rows FROM machine_metrics WHERE timestamp >= toDateTime(1770073200) FORMAT JSONEachRow");
  EXPECT_EQ(source->describe(), "analytics-engine dataset machine_metrics (account acc)");
}

TEST(WindowSqlTest, DashedDatasetIsDoubleQuoted) {
  SourceConfig c;
  c.dataset = "fleet-metrics_2";
  c.account_id = "acc";
  auto source = open_ae_source(c);
  EXPECT_EQ(source->fetch_sql(Window{W0, W0 + 60}, {col("timestamp"), col("_sample_interval")}),
            "SELECT timestamp, _sample_interval FROM \"fleet-metrics_2\" WHERE timestamp >= toDateTime(1770076800) AND "
            "timestamp < toDateTime(1770076860) ORDER BY timestamp FORMAT JSONEachRow");
  EXPECT_EQ(dynamic_cast<SqlWindowSource&>(*source).count_sql(Window{W0, W0 + 60}),
            "SELECT count() AS rows, sum(_sample_interval) AS sample_weight FROM \"fleet-metrics_2\" WHERE timestamp "
            ">= toDateTime(1770076800) AND timestamp < toDateTime(1770076860) FORMAT JSONEachRow");
  EXPECT_EQ(source->describe(), "analytics-engine dataset fleet-metrics_2 (account acc)");
}

TEST(WindowSqlTest, ClickHouseSqlSelectsUtcTextOutsideTheWhere) {
  SourceConfig c;
  c.type = SourceType::ClickHouse;
  c.url = "http://ch.example:8123/";
  c.database = "metrics";
  c.table = "ae_rows";
  auto source = open_clickhouse_source(c);
  EXPECT_EQ(source->fetch_sql(kHour, kCols),
            "SELECT toString(aesync_ts, 'UTC') AS timestamp, _sample_interval, index1, double1 FROM (SELECT "
            "timestamp AS aesync_ts, _sample_interval, index1, double1 FROM ae_rows WHERE timestamp >= "
            "toDateTime(1770076800) AND timestamp < toDateTime(1770080400)) ORDER BY aesync_ts FORMAT JSONEachRow");
  EXPECT_EQ(dynamic_cast<SqlWindowSource&>(*source).count_sql(kHour),
            "SELECT count() AS rows, sum(_sample_interval) AS sample_weight FROM ae_rows WHERE timestamp >= "
            "toDateTime(1770076800) AND timestamp < toDateTime(1770080400) FORMAT JSONEachRow");
  EXPECT_EQ(source->histogram_sql(kHour, 300),
            "SELECT intDiv(toUInt32(timestamp), 300) * 300 AS bucket, count() AS rows, sum(_sample_interval) AS "
            "sample_weight FROM ae_rows WHERE timestamp >= toDateTime(1770076800) AND timestamp < "
            "toDateTime(1770080400) GROUP BY bucket ORDER BY bucket FORMAT JSONEachRow");
  EXPECT_EQ(source->describe(), "clickhouse table metrics.ae_rows at http://ch.example:8123");
}

TEST(WindowSqlTest, IdentifiersAreValidatedNotQuotedBlindly) {
  SourceConfig ae;
  ae.dataset = "bad\"name";
  try {
    open_ae_source(ae);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "source.dataset \"bad\"name\" is not a valid identifier ([A-Za-z_][A-Za-z0-9_-]*)");
  }
  SourceConfig ch;
  ch.type = SourceType::ClickHouse;
  ch.url = "http://x";
  ch.table = "a-b";
  try {
    open_clickhouse_source(ch);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "source.table \"a-b\" is not a valid identifier ([A-Za-z_][A-Za-z0-9_]*)");
  }
  ch.table = "t";
  ch.database = "db; DROP";
  EXPECT_THROW(open_clickhouse_source(ch), ConfigError);
}

// ---------------------------------------------------------------------------------------------
// Fetching from the AE API.

TEST_F(WindowSourceTest, FetchPostsTheSqlWithTheBearerTokenAndStreamsRowsInOrder) {
  FakeServer server([](const Req& r, size_t) {
    if (r.method != "POST" || r.target != kAePath) return text_reply(404, "Not Found");
    if (r.header("authorization") != std::string("Bearer ") + kToken) return text_reply(403, "bad token");
    return text_reply(200, kThreeLines);
  });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  const FetchStats stats = source->fetch(kHour, kCols, rec);
  EXPECT_EQ(rec.rows, kThreeRows);
  EXPECT_EQ(stats.rows, 3u);
  EXPECT_EQ(stats.sample_weight, 108);
  EXPECT_EQ(stats.requests, 1u);
  EXPECT_EQ(stats.retries, 0u);
  EXPECT_EQ(stats.splits, 0u);
  EXPECT_EQ(stats.invalid_utf8_replaced, 0u);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, kAePath);  // the trailing '/' of api_base is not doubled
  EXPECT_EQ(reqs[0].header("content-type"), "text/plain");
  EXPECT_EQ(reqs[0].body, window_sql(W0, W0 + 3600));
}

TEST_F(WindowSourceTest, EmptyBodyIsAnEmptyWindowAndInvalidUtf8IsCounted) {
  FakeServer server([](const Req&, size_t i) {
    return text_reply(200, i == 0 ? "" : ae_line(W0, 2, "a\xff", "1") + ae_line(W0 + 1, 3, "b", "2"));
  });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  FetchStats stats = source->fetch(kHour, kCols, rec);
  EXPECT_TRUE(rec.rows.empty());
  EXPECT_EQ(stats.rows, 0u);
  EXPECT_EQ(stats.requests, 1u);
  stats = source->fetch(kHour, kCols, rec);
  EXPECT_EQ(rec.rows, (std::vector<std::string>{row_text(W0, 2, "a\xef\xbf\xbd", "1"), row_text(W0 + 1, 3, "b", "2")}));
  EXPECT_EQ(stats.rows, 2u);
  EXPECT_EQ(stats.sample_weight, 5);
  EXPECT_EQ(stats.invalid_utf8_replaced, 1u);
}

TEST_F(WindowSourceTest, RetriesA429ThenSucceedsLoggingWithoutTheToken) {
  FakeServer server([](const Req&, size_t i) {
    if (i == 0) return text_reply(429, "Too many requests", {{"Retry-After", "0"}});
    return text_reply(200, kThreeLines);
  });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  log::set_format(log::Format::Json);
  testing::internal::CaptureStderr();
  const FetchStats stats = source->fetch(kHour, kCols, rec);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(rec.rows, kThreeRows);
  EXPECT_EQ(stats.requests, 2u);
  EXPECT_EQ(stats.retries, 1u);
  EXPECT_EQ(stats.rows, 3u);
  // The one retry line of net/pacer.h.
  EXPECT_NE(log.find("\"msg\":\"retrying\",\"target\":\"source\",\"what\":\"" + kHourText +
                     "\",\"attempt\":1,\"status\":429,\"reason\":\"HTTP 429: Too many requests\","),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("2026-02-03T00:00:00Z"), std::string::npos) << log;
  EXPECT_NE(log.find("Too many requests"), std::string::npos) << log;
  EXPECT_EQ(log.find(kToken), std::string::npos) << log;
  EXPECT_EQ(server.bodies(), (std::vector<std::string>(2, window_sql(W0, W0 + 3600))));
}

TEST_F(WindowSourceTest, RetryAfterIsHonoured) {
  FakeServer server([](const Req&, size_t i) {
    if (i == 0) return text_reply(503, "Service unavailable", {{"Retry-After", "1"}});
    return text_reply(200, kThreeLines);
  });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  const auto t0 = std::chrono::steady_clock::now();
  const FetchStats stats = source->fetch(kHour, kCols, rec);
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, std::chrono::milliseconds(1000));  // the backoff alone would be <= 1 ms
  EXPECT_EQ(stats.retries, 1u);
  EXPECT_EQ(rec.rows, kThreeRows);
}

TEST_F(WindowSourceTest, A503ThatOutlastsMaxRetriesFailsNamingTheWindow) {
  FakeServer server([](const Req&, size_t) { return text_reply(503, "Service unavailable\n"); });
  auto source = open_ae_source(ae_config(server, 2));
  Recorder rec;
  const SourceError e = fetch_error(*source, kHour, rec);
  EXPECT_EQ(std::string(e.what()), kHourText + ": failed after 3 attempts: HTTP 503: Service unavailable");
  EXPECT_EQ(e.rows_delivered, 0u);
  EXPECT_EQ(server.requests().size(), 3u);

  auto once = open_ae_source(ae_config(server, 0));
  EXPECT_EQ(std::string(fetch_error(*once, kHour, rec).what()),
            kHourText + ": failed after 1 attempt: HTTP 503: Service unavailable");
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST_F(WindowSourceTest, ClientErrorsFailAtOnceWithTheServersText) {
  for (int status : {400, 401, 403, 404}) {
    FakeServer server([status](const Req&, size_t) {
      return text_reply(status, "Authentication error: invalid token " + std::string(kToken) + "\n");
    });
    auto source = open_ae_source(ae_config(server));
    Recorder rec;
    const SourceError e = fetch_error(*source, kHour, rec);
    // The token is redacted even when the server echoes it.
    EXPECT_EQ(std::string(e.what()),
              kHourText + ": HTTP " + std::to_string(status) + ": Authentication error: invalid token ***");
    EXPECT_EQ(server.requests().size(), 1u) << status;
  }
}

TEST_F(WindowSourceTest, TheServersTextIsTrimmedShownOnOneLineAndCutAt500Bytes) {
  std::string body = "  Code: 62\r\n\tSyntax error \x7f!\n";
  FakeServer server([&body](const Req&, size_t) { return text_reply(400, body); });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  EXPECT_EQ(std::string(fetch_error(*source, kHour, rec).what()),
            kHourText + ": HTTP 400: Code: 62\\r\\n\\tSyntax error \\u007F!");
  body = std::string(600, 'x');
  EXPECT_EQ(std::string(fetch_error(*source, kHour, rec).what()),
            kHourText + ": HTTP 400: " + std::string(500, 'x') + "\xE2\x80\xA6");
  // A cut never splits a UTF-8 character: one that would end past byte 500 is left out.
  body = std::string(499, 'x') + "\xc3\xa9";
  EXPECT_EQ(std::string(fetch_error(*source, kHour, rec).what()),
            kHourText + ": HTTP 400: " + std::string(499, 'x') + "\xE2\x80\xA6");
  body = " \r\n";
  EXPECT_EQ(std::string(fetch_error(*source, kHour, rec).what()), kHourText + ": HTTP 400");
}

TEST_F(WindowSourceTest, A422SplitsTheWindowInHalvesAndRowsStillArriveInOrder) {
  FakeServer server([](const Req& r, size_t) {
    if (r.body == window_sql(W0, W0 + 3600)) return text_reply(422, "Query exceeded resource limits");
    if (r.body == window_sql(W0, W0 + 1800))
      return text_reply(200, ae_line(W0 + 5, 1, "m-1", "1") + ae_line(W0 + 1799, 2, "m-2", "2"));
    if (r.body == window_sql(W0 + 1800, W0 + 3600))
      return text_reply(200, ae_line(W0 + 1800, 4, "m-3", "3") + ae_line(W0 + 3599, 8, "m-4", "4"));
    return text_reply(400, "unexpected query");
  });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  const FetchStats stats = source->fetch(kHour, kCols, rec);
  EXPECT_EQ(rec.rows,
            (std::vector<std::string>{row_text(W0 + 5, 1, "m-1", "1"), row_text(W0 + 1799, 2, "m-2", "2"),
                                      row_text(W0 + 1800, 4, "m-3", "3"), row_text(W0 + 3599, 8, "m-4", "4")}));
  EXPECT_EQ(stats.rows, 4u);
  EXPECT_EQ(stats.sample_weight, 15);
  EXPECT_EQ(stats.requests, 3u);
  EXPECT_EQ(stats.splits, 1u);
  EXPECT_EQ(stats.retries, 0u);
  EXPECT_EQ(server.bodies(), (std::vector<std::string>{window_sql(W0, W0 + 3600), window_sql(W0, W0 + 1800),
                                                       window_sql(W0 + 1800, W0 + 3600)}));
}

TEST_F(WindowSourceTest, A507SplitsRecursivelyUntilTheServerAnswers) {
  // Windows over 900 s are refused: 3600 -> 2 x 1800 -> 4 x 900.
  FakeServer server([](const Req& r, size_t) {
    const size_t a = r.body.find("toDateTime(") + 11, b = r.body.find("toDateTime(", a) + 11;
    const int64_t start = std::stoll(r.body.substr(a)), end = std::stoll(r.body.substr(b));
    if (end - start > 900) return text_reply(507, "Query exceeded resource limits");
    return text_reply(200, ae_line(start, 1, "w", std::to_string(start - W0)));
  });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  const FetchStats stats = source->fetch(kHour, kCols, rec);
  EXPECT_EQ(rec.rows,
            (std::vector<std::string>{row_text(W0, 1, "w", "0"), row_text(W0 + 900, 1, "w", "900"),
                                      row_text(W0 + 1800, 1, "w", "1800"), row_text(W0 + 2700, 1, "w", "2700")}));
  EXPECT_EQ(stats.requests, 7u);
  EXPECT_EQ(stats.splits, 3u);
  EXPECT_EQ(server.bodies(),
            (std::vector<std::string>{window_sql(W0, W0 + 3600), window_sql(W0, W0 + 1800), window_sql(W0, W0 + 900),
                                      window_sql(W0 + 900, W0 + 1800), window_sql(W0 + 1800, W0 + 3600),
                                      window_sql(W0 + 1800, W0 + 2700), window_sql(W0 + 2700, W0 + 3600)}));
}

TEST_F(WindowSourceTest, AOneMinuteWindowIsNotSplitFurther) {
  FakeServer server([](const Req&, size_t) { return text_reply(422, "Query exceeded resource limits"); });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  const SourceError e = fetch_error(*source, Window{W0, W0 + 60}, rec);
  EXPECT_EQ(std::string(e.what()),
            "window [2026-02-03T00:00:00Z, 2026-02-03T00:01:00Z): HTTP 422: Query exceeded resource limits (a window "
            "of 60 s is not split further)");
  EXPECT_EQ(server.requests().size(), 1u);

  // Any window over 60 s is split: 122 s -> 61 + 61, 61 s -> 30 + 31; the 30-s half then fails.
  FakeServer s2([](const Req&, size_t) { return text_reply(422, "too big"); });
  auto source2 = open_ae_source(ae_config(s2));
  const SourceError e2 = fetch_error(*source2, Window{W0, W0 + 122}, rec);
  EXPECT_EQ(std::string(e2.what()),
            "window [2026-02-03T00:00:00Z, 2026-02-03T00:00:30Z): HTTP 422: too big (a window of 30 s is not split "
            "further)");
  EXPECT_EQ(s2.bodies(),
            (std::vector<std::string>{window_sql(W0, W0 + 122), window_sql(W0, W0 + 61), window_sql(W0, W0 + 30)}));
}

TEST_F(WindowSourceTest, AFailureInTheSecondHalfReportsTheRowsOfTheFirst) {
  FakeServer server([](const Req& r, size_t) {
    if (r.body == window_sql(W0, W0 + 3600)) return text_reply(422, "Query exceeded resource limits");
    if (r.body == window_sql(W0, W0 + 1800))
      return text_reply(200, ae_line(W0 + 5, 1, "m-1", "1") + ae_line(W0 + 6, 1, "m-1", "1"));
    return text_reply(401, "Authentication error: missing bearer token");
  });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  const SourceError e = fetch_error(*source, kHour, rec);
  EXPECT_EQ(
      std::string(e.what()),
      "window [2026-02-03T00:30:00Z, 2026-02-03T01:00:00Z): HTTP 401: Authentication error: missing bearer token");
  EXPECT_EQ(e.rows_delivered, 2u);
  EXPECT_EQ(rec.rows.size(), 2u);
}

TEST_F(WindowSourceTest, ATimeoutSplitsTheWindow) {
  FakeServer server([](const Req& r, size_t) {
    if (r.body == window_sql(W0, W0 + 120)) {
      Reply stall;
      stall.end = Reply::End::Stall;
      return stall;
    }
    const size_t a = r.body.find("toDateTime(") + 11;
    const int64_t start = std::stoll(r.body.substr(a));
    return text_reply(200, ae_line(start + 1, 1, "t", "0.5"));
  });
  SourceConfig c = ae_config(server);
  c.timeout_seconds = 1;
  auto source = open_ae_source(c);
  Recorder rec;
  const FetchStats stats = source->fetch(Window{W0, W0 + 120}, kCols, rec);
  EXPECT_EQ(rec.rows, (std::vector<std::string>{row_text(W0 + 1, 1, "t", "0.5"), row_text(W0 + 61, 1, "t", "0.5")}));
  EXPECT_EQ(stats.requests, 3u);
  EXPECT_EQ(stats.splits, 1u);
  EXPECT_EQ(server.bodies(), (std::vector<std::string>{window_sql(W0, W0 + 120), window_sql(W0, W0 + 60),
                                                       window_sql(W0 + 60, W0 + 120)}));
}

TEST_F(WindowSourceTest, ABodyCutBeforeAnyRowIsRetried) {
  const std::string first = ae_line(W0 + 5, 1, "m-1", "12.5");
  FakeServer server([&](const Req&, size_t i) {
    Reply r = text_reply(200, i == 0 ? first.substr(0, 20) : kThreeLines);
    if (i == 0) r.end = Reply::End::CloseDelimited;  // a clean end inside the first line
    if (i == 1) {
      r.end = Reply::End::Broken;  // a broken transfer inside the first line
      r.cut_at = 30;
    }
    return r;
  });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  const FetchStats stats = source->fetch(kHour, kCols, rec);
  EXPECT_EQ(rec.rows, kThreeRows);
  EXPECT_EQ(stats.requests, 3u);
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_EQ(stats.rows, 3u);
}

TEST_F(WindowSourceTest, ABodyCutAfterRowsFailsWithRowsDelivered) {
  const std::string body = kThreeLines;
  const size_t two_lines = body.find('\n', body.find('\n') + 1) + 1;
  for (auto end : {Reply::End::CloseDelimited, Reply::End::Broken}) {
    FakeServer server([&](const Req&, size_t) {
      Reply r = text_reply(200, end == Reply::End::Broken ? body : body.substr(0, two_lines + 25));
      r.end = end;
      r.cut_at = two_lines + 25;
      return r;
    });
    auto source = open_ae_source(ae_config(server));
    Recorder rec;
    const SourceError e = fetch_error(*source, kHour, rec);
    EXPECT_EQ(e.rows_delivered, 2u);
    EXPECT_EQ(rec.rows, (std::vector<std::string>{kThreeRows[0], kThreeRows[1]}));
    EXPECT_EQ(server.requests().size(), 1u) << "never retried once rows went out";
    const std::string msg = e.what();
    if (end == Reply::End::CloseDelimited) {
      EXPECT_EQ(msg.rfind(kHourText + ": line 3: truncated at end of input (", 0), 0u) << msg;
      EXPECT_TRUE(msg.ends_with("): {\"_sample_interval\":7,\"do")) << msg;
    } else {
      EXPECT_EQ(msg.rfind(kHourText + ": POST " + server.base() + kAePath + ": ", 0), 0u) << msg;
      EXPECT_TRUE(msg.ends_with(" (after 2 rows)")) << msg;
    }
  }
}

TEST_F(WindowSourceTest, ANonJsonLineIsAnErrorNamingTheWindowAndLine) {
  // After rows (ClickHouse appends its error to a 200 body): fails at once.
  FakeServer after([](const Req&, size_t) {
    return text_reply(200, ae_line(W0, 1, "a", "1") + ae_line(W0 + 1, 1, "b", "2") +
                               "Code: 241, e.displayText() = DB::Exception: Memory limit exceeded\n" +
                               ae_line(W0 + 2, 1, "c", "3"));
  });
  auto source = open_ae_source(ae_config(after));
  Recorder rec;
  SourceError e = fetch_error(*source, kHour, rec);
  EXPECT_EQ(
      std::string(e.what()),
      kHourText + ": line 3: not a JSON object: Code: 241, e.displayText() = DB::Exception: Memory limit exceeded");
  EXPECT_EQ(e.rows_delivered, 2u);
  EXPECT_EQ(after.requests().size(), 1u);

  // Before any row: retried, and the last reason is reported.
  FakeServer before([](const Req&, size_t) { return text_reply(200, "Too many requests\n"); });
  auto source2 = open_ae_source(ae_config(before, 1));
  Recorder rec2;
  e = fetch_error(*source2, kHour, rec2);
  EXPECT_EQ(std::string(e.what()),
            kHourText + ": failed after 2 attempts: line 1: not a JSON object: Too many requests");
  EXPECT_EQ(e.rows_delivered, 0u);
  EXPECT_EQ(before.requests().size(), 2u);
  EXPECT_TRUE(rec2.rows.empty());
}

TEST_F(WindowSourceTest, TheConsumersOwnErrorPassesThroughUnretried) {
  FakeServer server([](const Req&, size_t) { return text_reply(200, kThreeLines); });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  rec.throw_at = 2;
  try {
    source->fetch(kHour, kCols, rec);
    FAIL() << "no exception";
  } catch (const SourceError& e) {
    FAIL() << "wrapped: " << e.what();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "mapper: cannot map this row");
  }
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(WindowSourceTest, NetworkErrorsAreRetriedThenReported) {
  int port;
  {
    FakeServer gone([](const Req&, size_t) { return text_reply(200, ""); });
    port = gone.port();
  }  // closed: connections to it are refused
  SourceConfig c;
  c.account_id = "acc0123";
  c.api_token = kToken;
  c.api_base = "http://127.0.0.1:" + std::to_string(port) + "/client/v4";
  c.max_retries = 2;
  auto source = open_ae_source(c);
  Recorder rec;
  const SourceError e = fetch_error(*source, kHour, rec);
  const std::string msg = e.what();
  // A refused connection is retried once whatever max_retries (net/pacer.h): two attempts.
  EXPECT_EQ(
      msg.rfind(kHourText + ": failed after 2 attempts: POST http://127.0.0.1:" + std::to_string(port) + kAePath + ": ",
                0),
      0u)
      << msg;
  EXPECT_EQ(msg.find(kToken), std::string::npos);
}

TEST_F(WindowSourceTest, CancellationIsASourceError) {
  FakeServer server([](const Req&, size_t) { return text_reply(200, kThreeLines); });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  cancel::request();
  const SourceError e = fetch_error(*source, kHour, rec);
  EXPECT_EQ(std::string(e.what()), kHourText + ": cancelled");
  EXPECT_EQ(server.requests().size(), 0u);
  // A cancel during the backoff wait ends the wait.
  cancel::reset();
  FakeServer busy([](const Req&, size_t) {
    cancel::request();
    return text_reply(503, "Service unavailable", {{"Retry-After", "600"}});
  });
  auto source2 = open_ae_source(ae_config(busy));
  const SourceError e2 = fetch_error(*source2, kHour, rec);
  EXPECT_EQ(std::string(e2.what()), kHourText + ": cancelled");
  EXPECT_EQ(busy.requests().size(), 1u);
}

TEST_F(WindowSourceTest, FetchRequiresTheSampleIntervalColumn) {
  FakeServer server([](const Req&, size_t) { return text_reply(200, ""); });
  auto source = open_ae_source(ae_config(server));
  Recorder rec;
  EXPECT_THROW(source->fetch(kHour, {col("timestamp"), col("index1")}, rec), std::invalid_argument);
  EXPECT_THROW(source->fetch(Window{W0, W0}, kCols, rec), std::invalid_argument);
  EXPECT_EQ(server.requests().size(), 0u);
}

// ---------------------------------------------------------------------------------------------
// count() and probe().

TEST_F(WindowSourceTest, CountReadsQuotedNumbersPlainNumbersAndNull) {
  const std::vector<std::string> answers = {
      "{\"rows\":\"3\",\"sample_weight\":\"250\"}\n", "{\"sample_weight\":9007199254740993,\"rows\":12}",
      "{\"rows\":\"0\",\"sample_weight\":null}\n", "{\"rows\":0,\"sample_weight\":0.0}\n"};
  FakeServer server([&](const Req&, size_t i) { return text_reply(200, answers[i]); });
  auto source = open_ae_source(ae_config(server));
  WindowCounts c = source->count(kHour);
  EXPECT_EQ(c.rows, 3u);
  EXPECT_EQ(c.sample_weight, 250);
  c = source->count(kHour);
  EXPECT_EQ(c.rows, 12u);
  EXPECT_EQ(c.sample_weight, 9007199254740993);
  c = source->count(kHour);
  EXPECT_EQ(c.rows, 0u);
  EXPECT_EQ(c.sample_weight, 0);
  c = source->count(kHour);
  EXPECT_EQ(c.rows, 0u);
  EXPECT_EQ(c.sample_weight, 0);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].target, kAePath);
  EXPECT_EQ(reqs[0].header("authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(reqs[0].body,
            "SELECT count() AS rows, sum(_sample_interval) AS sample_weight FROM machine_metrics WHERE timestamp >= "
            "toDateTime(1770076800) AND timestamp < toDateTime(1770080400) FORMAT JSONEachRow");
}

TEST_F(WindowSourceTest, CountRetriesABadAnswerAndFailsOnAClientError) {
  FakeServer server([](const Req&, size_t i) {
    if (i == 0) return text_reply(200, "Too many requests\n");
    if (i == 1) return text_reply(429, "slow down", {{"Retry-After", "0"}});
    if (i == 2) return text_reply(200, "{\"rows\":\"5\",\"sample_weight\":\"7\"}\n");
    if (i == 3) return text_reply(422, "unsupported expression type");
    return text_reply(200, "{\"rows\":\"1.5\",\"sample_weight\":\"7\"}\n");
  });
  auto source = open_ae_source(ae_config(server, 2));
  const WindowCounts c = source->count(kHour);
  EXPECT_EQ(c.rows, 5u);
  EXPECT_EQ(c.sample_weight, 7);
  try {
    source->count(kHour);
    FAIL() << "no error";
  } catch (const SourceError& e) {
    EXPECT_EQ(std::string(e.what()), kHourText + ": HTTP 422: unsupported expression type");
  }
  try {
    source->count(kHour);
    FAIL() << "no error";
  } catch (const SourceError& e) {
    EXPECT_EQ(std::string(e.what()),
              kHourText + ": failed after 3 attempts: \"rows\": expected an integer, got \"1.5\"");
  }
  EXPECT_EQ(server.requests().size(), 7u);
}

// ---------------------------------------------------------------------------------------------
// histogram().

TEST_F(WindowSourceTest, HistogramReadsOneLinePerBucketQuotedOrNot) {
  const std::vector<std::string> answers = {
      "{\"bucket\":\"1770076800\",\"rows\":\"3\",\"sample_weight\":\"250\"}\n"
      "{\"bucket\":1770077400,\"rows\":12,\"sample_weight\":9007199254740993}\n",
      "", "\n"};
  FakeServer server([&](const Req&, size_t i) { return text_reply(200, answers[i]); });
  auto source = open_ae_source(ae_config(server));
  EXPECT_EQ(source->histogram(kHour, 300),
            (std::vector<HistogramBucket>{{1770076800, 3, 250}, {1770077400, 12, 9007199254740993}}));
  EXPECT_TRUE(source->histogram(kHour, 300).empty());  // an empty span: no line
  EXPECT_TRUE(source->histogram(kHour, 300).empty());
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].target, kAePath);
  EXPECT_EQ(reqs[0].header("authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(reqs[0].body, source->histogram_sql(kHour, 300));
}

TEST_F(WindowSourceTest, HistogramRetriesABadAnswerAndFailsOnAnError) {
  FakeServer server([](const Req&, size_t i) {
    if (i == 0) return text_reply(200, "{\"bucket\":\"1770076800\",\"rows\":\"3\"");  // cut off
    if (i == 1) return text_reply(200, "{\"bucket\":\"1770076900\",\"rows\":\"3\",\"sample_weight\":\"3\"}\n");
    if (i == 2) return text_reply(200, "{\"bucket\":\"1770076800\",\"rows\":\"3\",\"sample_weight\":\"3\"}\n");
    if (i == 3) return text_reply(400, "Unknown function intDiv");
    return text_reply(200,
                      "{\"bucket\":1770077100,\"rows\":1,\"sample_weight\":1}\n"
                      "{\"bucket\":1770076800,\"rows\":1,\"sample_weight\":1}\n");
  });
  auto source = open_ae_source(ae_config(server, 2));
  EXPECT_EQ(source->histogram(kHour, 300), (std::vector<HistogramBucket>{{1770076800, 3, 3}}));
  try {
    source->histogram(kHour, 300);
    FAIL() << "no error";
  } catch (const SourceError& e) {
    EXPECT_EQ(std::string(e.what()), "histogram " + kHour.describe() + ": HTTP 400: Unknown function intDiv");
  }
  try {
    source->histogram(kHour, 300);
    FAIL() << "no error";
  } catch (const SourceError& e) {
    EXPECT_EQ(std::string(e.what()),
              "histogram " + kHour.describe() +
                  ": failed after 3 attempts: histogram line 2: bucket 1770076800 is out of order");
  }
  EXPECT_EQ(server.requests().size(), 7u);
}

TEST_F(WindowSourceTest, ProbeCountsTheLastHour) {
  FakeServer server([](const Req& r, size_t i) {
    if (i == 0) return text_reply(200, "{\"rows\":\"12345\"}\n");
    (void)r;
    return text_reply(403, "Authentication error: invalid token");
  });
  auto source = open_ae_source(ae_config(server));
  const int64_t before =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_EQ(source->probe(), "12345 rows in the last hour");
  const int64_t after =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string sql = server.requests().at(0).body;
  const std::string prefix = "SELECT count() AS rows FROM machine_metrics WHERE timestamp >= toDateTime(";
  ASSERT_EQ(sql.rfind(prefix, 0), 0u) << sql;
  const int64_t since = std::stoll(sql.substr(prefix.size()));
  EXPECT_GE(since, before - 3600);
  EXPECT_LE(since, after - 3600);
  EXPECT_EQ(sql, prefix + std::to_string(since) + ") FORMAT JSONEachRow");
  try {
    source->probe();
    FAIL() << "no error";
  } catch (const SourceError& e) {
    EXPECT_EQ(std::string(e.what()),
              "analytics-engine dataset machine_metrics (account acc0123): HTTP 403: Authentication error: invalid "
              "token");
  }
}

// ---------------------------------------------------------------------------------------------
// ClickHouse.

TEST_F(WindowSourceTest, ClickHouseAuthenticatesWithHeadersAndSelectsTheDatabaseInTheUrl) {
  FakeServer server([](const Req& r, size_t i) {
    if (r.header("x-clickhouse-user") != "reader" || r.header("x-clickhouse-key") != "pw-Secret-1234")
      return text_reply(401, "Code: 193, e.displayText() = DB::Exception: Wrong password for user reader");
    if (i == 0)
      return text_reply(200,
                        "{\"timestamp\":\"2026-02-03 00:00:05\",\"_sample_interval\":3,\"index1\":\"m\\/1\","
                        "\"double1\":\"inf\"}\n");
    return text_reply(200, "{\"rows\":\"1\",\"sample_weight\":\"3\"}\n");
  });
  SourceConfig c;
  c.type = SourceType::ClickHouse;
  c.url = server.base();
  c.user = "reader";
  c.password = "pw-Secret-1234";
  c.database = "metrics";
  c.table = "ae_rows";
  auto source = open_clickhouse_source(c);
  Recorder rec;
  const FetchStats stats = source->fetch(kHour, kCols, rec);
  EXPECT_EQ(rec.rows, (std::vector<std::string>{row_text(W0 + 5, 3, "m/1", "inf")}));
  EXPECT_EQ(stats.sample_weight, 3);
  const WindowCounts counts = source->count(kHour);
  EXPECT_EQ(counts.rows, 1u);
  EXPECT_EQ(counts.sample_weight, 3);
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/?database=metrics&output_format_json_quote_denormals=1");
    EXPECT_EQ(r.header("authorization"), "<none>");
    EXPECT_EQ(r.header("content-type"), "text/plain");
  }
  EXPECT_EQ(reqs[0].body, source->fetch_sql(kHour, kCols));
  EXPECT_EQ(reqs[1].body, dynamic_cast<SqlWindowSource&>(*source).count_sql(kHour));
  EXPECT_EQ(source->describe(), "clickhouse table metrics.ae_rows at " + server.base());

  c.password = "wrong-password";
  auto bad = open_clickhouse_source(c);
  try {
    bad->fetch(kHour, kCols, rec);
    FAIL() << "no error";
  } catch (const SourceError& e) {
    EXPECT_EQ(std::string(e.what()),
              kHourText + ": HTTP 401: Code: 193, e.displayText() = DB::Exception: Wrong password for user reader");
  }
}

}  // namespace
}  // namespace aesync
