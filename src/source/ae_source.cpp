// The Analytics Engine SQL API (docs/ae-sql-api.md): POST of the SQL text to
// <api_base>/accounts/<account_id>/analytics_engine/sql with the Bearer token. The dataset is
// validated and double-quoted when it holds '-' (AE requires it).
#include <string>

#include "source/sql_window_source.h"
#include "util/log.h"

namespace aesync {

namespace {

std::string without_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

class AeSource final : public SqlWindowSource {
 public:
  explicit AeSource(const SourceConfig& config)
      : SqlWindowSource(config, sql_identifier(config.dataset, true, "source.dataset")),
        dataset_(config.dataset),
        account_id_(config.account_id),
        token_(config.api_token),
        url_(without_trailing_slashes(config.api_base) + "/accounts/" + net::uri_encode(config.account_id, false) +
             "/analytics_engine/sql") {
    log::add_secret(token_);
  }

  std::string fetch_sql(const Window& window, const std::vector<RawColumn>& columns) const override {
    std::string sql = "SELECT ";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += columns[i].name();  // safe by construction: one of AE's fixed column names
    }
    sql += " FROM " + from_sql() + " WHERE " + bounds_sql(window) + " ORDER BY timestamp FORMAT JSONEachRow";
    return sql;
  }

  std::string describe() const override {
    return "analytics-engine dataset " + dataset_ + " (account " + account_id_ + ")";
  }

 protected:
  net::Request make_request(const std::string& sql) const override {
    net::Request request;
    request.method = "POST";
    request.url = url_;
    request.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "text/plain"}};
    request.body = sql;
    return request;
  }

 private:
  std::string dataset_;
  std::string account_id_;
  std::string token_;
  std::string url_;
};

}  // namespace

std::unique_ptr<WindowSource> open_ae_source(const SourceConfig& config) { return std::make_unique<AeSource>(config); }

}  // namespace aesync
