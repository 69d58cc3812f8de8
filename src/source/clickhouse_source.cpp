// ClickHouse's HTTP interface as a window source (`type = "clickhouse"`), for tables shaped like
// an AE dataset. POST <url>/?database=<database>&<settings> with the SQL as the body; the user
// and password go in X-ClickHouse-User / X-ClickHouse-Key (never in the URL, which appears in
// messages). Settings are URL parameters: ClickHouse 18.16 rejects `FORMAT X SETTINGS ...`.
//
// - output_format_json_quote_denormals=1: NaN and ±inf come out as "nan"/"inf"/"-inf" (which
//   the reader takes) instead of null (which it rejects for a double). The user therefore needs
//   readonly=0 or 2 (readonly=1 refuses any setting).
// - The timestamp is selected as toString(<column>, 'UTC'): ClickHouse prints a DateTime in the
//   column's or the server's time zone, the reader wants UTC. The conversion happens in an
//   outer query, because an alias named `timestamp` would replace the column in WHERE
//   (ClickHouse substitutes aliases everywhere; 18.16 then fails comparing String with
//   DateTime). Bounds as toDateTime(<unix>) do not depend on any time zone.
#include <string>

#include "source/sql_window_source.h"
#include "util/log.h"

namespace aesync {

namespace {

constexpr const char* kTimestampAlias = "aesync_ts";

std::string without_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

class ClickHouseSource final : public SqlWindowSource {
 public:
  explicit ClickHouseSource(const SourceConfig& config)
      : SqlWindowSource(config, sql_identifier(config.table, false, "source.table")),
        database_(sql_identifier(config.database, false, "source.database")),
        table_(config.table),
        base_url_(without_trailing_slashes(config.url)),
        url_(base_url_ + "/?database=" + net::uri_encode(database_, false) + "&output_format_json_quote_denormals=1"),
        user_(config.user),
        password_(config.password) {
    log::add_secret(password_);
  }

  std::string fetch_sql(const Window& window, const std::vector<RawColumn>& columns) const override {
    // SELECT toString(aesync_ts, 'UTC') AS timestamp, <cols> FROM (SELECT timestamp AS aesync_ts,
    //   <cols> FROM <table> WHERE <bounds>) ORDER BY aesync_ts FORMAT JSONEachRow
    std::string outer, inner = std::string("timestamp AS ") + kTimestampAlias;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) outer += ", ";
      if (columns[i].kind == RawColumn::Kind::Timestamp) {
        outer += std::string("toString(") + kTimestampAlias + ", 'UTC') AS timestamp";
      } else {
        outer += columns[i].name();
        inner += ", " + columns[i].name();
      }
    }
    return "SELECT " + outer + " FROM (SELECT " + inner + " FROM " + from_sql() + " WHERE " + bounds_sql(window) +
           ") ORDER BY " + kTimestampAlias + " FORMAT JSONEachRow";
  }

  std::string describe() const override {
    return "clickhouse table " + database_ + "." + table_ + " at " + net::url_for_messages(base_url_);
  }

 protected:
  net::Request make_request(const std::string& sql) const override {
    net::Request request;
    request.method = "POST";
    request.url = url_;
    request.headers = {{"X-ClickHouse-User", user_}, {"X-ClickHouse-Key", password_}, {"Content-Type", "text/plain"}};
    request.body = sql;
    return request;
  }

 private:
  std::string database_;
  std::string table_;
  std::string base_url_;
  std::string url_;
  std::string user_;
  std::string password_;
};

}  // namespace

std::unique_ptr<WindowSource> open_clickhouse_source(const SourceConfig& config) {
  return std::make_unique<ClickHouseSource>(config);
}

}  // namespace aesync
