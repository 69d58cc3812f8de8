// Configuration: one TOML file (docs/configuration.md) in, a validated Config out.
//
// Every string may contain ${NAME} (an unset variable is an error naming it); every secret key
// also accepts `<key>_file` (a path whose contents, trailing newline stripped, are the value).
// Unknown keys and tables are errors. Every error names the key (dotted, e.g. `source.window`)
// and `file:line:column`, on one printable line made by shown() (util/text.h): control
// characters from the text (a quoted key, toml++'s "saw 't\n'") appear escaped as \n, \t, \r,
// \u00XX, ill-formed UTF-8 bytes as \xNN, registered secrets as "***". One load reports every
// error it finds (ConfigErrors): its message is the first error of the file, messages() all of
// them in reading order (the unknown keys first, in file order).
//
// A command reads only the sections it uses (ConfigNeeds): `${VAR}` expansion, `_file` reads,
// value checks and required keys happen only there; unknown keys are refused in every section.
// Keys that a section's `type` does not use are accepted only if they are known keys of that
// section. The keys are described once, in keys.h.
//
// Details a user relies on:
// - `${NAME}` may appear anywhere in a string, several times; `${NAME:-default}` gives `default`
//   (taken as written) when NAME is unset or empty; `$${` is a literal `${`; a lone `$` stays as
//   is. Expanded text is not expanded again. A variable set to "" is allowed; a
//   required key left empty that way is reported as missing.
// - `<key>_file` exists for the secrets (source.api_token, source.password,
//   destination.secret_access_key, posthog.api_key, posthog.read_secret_access_key) and for
//   the two access key ids. A relative `_file` path resolves against the config file's folder;
//   trailing CR/LF are stripped. Setting both `<key>` and `<key>_file` is an error.
// - Paths that name data (source.path, destination.path) stay relative to the working
//   directory, like command-line paths.
// - destination.region defaults to "auto" for r2 and "us-east-1" for s3.
// - output.compression defaults to "zstd" for parquet and "none" for csv.
// - URLs (api_base, url, endpoint, host) must be http(s); trailing '/' are removed. A URL with
//   credentials in it (user:password@host) is refused, its message masking them: URLs appear
//   in messages and logs, secrets belong in their own keys.
// - Names that reach SQL or URLs (dataset, database, table, bucket, prefix, account_id,
//   project_id) are validated against a strict character set, never quoted blindly; the SQL
//   names (dataset, database, table, posthog.table) are at most 128 characters.
// - [[columns]] `type` may be omitted: it defaults to the raw column's own kind.
// - Control characters are refused in every value (they would reach HTTP headers and URLs).
// - destination.max_retries and destination.timeout default to source.max_retries and
//   source.timeout (the behaviour before they existed).
// - Config::warnings collects what deserves a log line but not a refusal: insecure_skip_verify,
//   a plain http:// URL to a host that is not loopback in a section that holds its credential
//   (api_base + api_token, url + password, endpoint + secret_access_key, host + api_key), and
//   (load_config only) a secret written in clear in a file that group/others can read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/schema.h"
#include "schema/table_shape.h"
#include "util/error.h"

namespace aesync {

// The choices a config makes, parsed once here; code switches on them exhaustively (no
// `default:`), so a new kind of source, destination, format or codec is a change the compiler
// walks through. to_string gives the config's spelling.
enum class SourceType { AnalyticsEngine, ClickHouse, File };
enum class DestinationType { Local, S3, R2 };
enum class OutputFormat { Parquet, Csv };
enum class Compression { None, Zstd, Snappy, Gzip };

std::string_view to_string(SourceType t);
std::string_view to_string(DestinationType t);
std::string_view to_string(OutputFormat f);
std::string_view to_string(Compression c);
//! The config's spelling back to the enum; nullopt for anything else.
std::optional<OutputFormat> parse_output_format(std::string_view s);

struct SourceConfig {
  SourceType type = SourceType::AnalyticsEngine;
  // analytics-engine
  std::string dataset = "machine_metrics";
  std::string account_id;
  std::string api_token;  //!< secret
  std::string api_base = "https://api.cloudflare.com/client/v4";
  // clickhouse
  std::string url;
  std::string user = "default";
  std::string password;  //!< secret
  std::string database = "default";
  std::string table = "machine_metrics";
  // file
  std::string path;  //!< "-" = stdin
  // common
  int64_t window_seconds = 86400;  //!< the longest window allowed (windows are cut from the day's histogram)
  int64_t window_rows = 250000;    //!< a window takes histogram buckets while its rows stay within this
  int64_t settle_seconds = 300;
  int64_t timeout_seconds = 120;
  int max_retries = 6;
  //! The request budget of the process (net/request_budget.h): half of Cloudflare's per-user
  //! limit of 1200 requests per 5 minutes by default; shards divide it (README).
  int max_requests_per_minute = 120;
  bool verify = true;
  bool insecure_skip_verify = false;  //!< test endpoints only; warns
};

struct DestinationConfig {
  DestinationType type = DestinationType::Local;
  std::string bucket;
  std::string endpoint;
  std::string region = "auto";
  std::string access_key_id;
  std::string secret_access_key;  //!< secret
  std::string prefix = "machine_metrics";
  std::string path = "./exports";  //!< local
  bool insecure_skip_verify = false;
  int64_t timeout_seconds = 120;  //!< s3/r2: per request; defaults to source.timeout
  int max_retries = 6;            //!< s3/r2: retries of a failed request; defaults to source.max_retries
};

struct OutputConfig {
  OutputFormat format = OutputFormat::Parquet;
  Compression compression = Compression::Zstd;  //!< parquet: any; csv: gzip | none
  int64_t row_group_rows = 262144;
};

struct SyncConfig {
  int lookback_days = 1;
  int retention_days = 90;
  int64_t every_seconds = 6 * 3600;
  int concurrency = 2;
};

struct PostHogConfig {
  std::string host = "https://us.posthog.com";
  std::string project_id;
  std::string api_key;  //!< secret
  std::string table = "machine_metrics";
  std::string read_access_key_id;
  std::string read_secret_access_key;  //!< secret
  std::string join_events_on;          //!< empty = no saved join
};

//! One output table (docs/configuration.md, "Tables"): a [[tables]] entry, or, in a config
//! without [[tables]], the single table named posthog.table, under destination.prefix, with
//! the top-level mapping.
struct TableConfig {
  std::string name;     //!< its PostHog table (a SQL name), unique in the config
  std::string prefix;   //!< where its days live in the destination, unique in the config
  std::string dataset;  //!< what it reads: the AE dataset, or the ClickHouse table; "" for a file
  TableShape shape;
  std::string join_events_on;  //!< empty = no saved join
};

struct Config {
  std::string file;  //!< where it was loaded from; empty for the built-in defaults
  SourceConfig source;
  bool has_source = false;  //!< the file has a [source] table (required keys checked only then)
  DestinationConfig destination;
  OutputConfig output;
  SyncConfig sync;
  std::optional<PostHogConfig> posthog;
  //! The top-level mapping ([[columns]], or the built-in one): `convert`'s, and that of every
  //! table that has no columns of its own.
  Schema schema = Schema::builtin_machine_metrics();
  bool builtin_schema = true;  //!< no [[columns]] were given
  //! The tables, in file order; never empty (see TableConfig).
  std::vector<TableConfig> tables;
  //! Non-fatal findings for the user (insecure_skip_verify, a literal secret in a file that
  //! group/others can read), each naming the key and file; the caller logs them.
  std::vector<std::string> warnings;

  //! Every non-empty secret value, so that outputs can be redacted.
  std::vector<std::string> secrets() const;
};

//! `source` reading `dataset` instead of its own (the AE dataset, or the ClickHouse table).
SourceConfig source_for_dataset(const SourceConfig& source, const std::string& dataset);

//! Every error one load found, each a one-line message; what() is the first (ConfigError's).
class ConfigErrors final : public ConfigError {
 public:
  explicit ConfigErrors(std::vector<std::string> messages)
      : ConfigError(messages.front()), messages_(std::move(messages)) {}
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

//! The one-line messages of `e`: every error of a ConfigErrors, else just e.what().
std::vector<std::string> error_messages(const std::exception& e);

//! The sections a command uses (docs/configuration.md, "What each command reads"). A section
//! left out is neither expanded nor checked (its `${VAR}`s may be unset, its `_file`s missing)
//! and keeps its defaults in the Config, except that its unknown keys are still refused.
//! [posthog]'s `table` and `join_events_on` and [source]'s `type`, `dataset` and `table` name
//! the tables and what they read, so `tables` reads them even without `posthog` or `source`;
//! `destination` reads [source]'s `timeout` and `max_retries` (its defaults).
struct ConfigNeeds {
  bool source = true;
  bool destination = true;
  bool output = true;
  bool sync = true;
  bool posthog = true;
  bool columns = true;  //!< the top-level [[columns]]
  bool tables = true;   //!< [[tables]] (their mappings start from [[columns]]: needs `columns`)
};

//! Loads and validates a config file, the sections in `needs`. Throws ConfigError.
Config load_config(const std::string& path, const ConfigNeeds& needs = {});
//! Parses TOML text as if read from `file_name` (for tests and error messages).
Config parse_config(std::string_view toml_text, const std::string& file_name, const ConfigNeeds& needs = {});
//! The defaults used when no config file exists (convert): built-in mapping, parquet + zstd.
Config default_config();

}  // namespace aesync
