#include "cli/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/check_command.h"
#include "cli/completion.h"
#include "cli/daemon_command.h"
#include "cli/help.h"
#include "cli/inspect_command.h"
#include "cli/posthog_command.h"
#include "cli/run_metrics.h"
#include "cli/status_command.h"
#include "config/config.h"
#include "sync/convert.h"
#include "sync/factories.h"
#include "sync/file_sync.h"
#include "sync/partition_index.h"
#include "sync/progress.h"
#include "sync/report.h"
#include "sync/run.h"
#include "sync/window_sync.h"
#include "util/error.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/time.h"
#include "util/version.h"

namespace aesync::cli {

namespace {

struct GlobalOptions {
  std::string config_path;
  std::string log_format;
  std::string log_level = "info";
  bool verbose = false;  // -v: --log-level debug
  bool quiet = false;    // -q: --log-level warn and no progress bar
  bool no_progress = false;
};

// -c, then $AESYNC_CONFIG, then ./aesync.toml. Empty when none is given and none exists.
std::string find_config(const GlobalOptions& g) {
  if (!g.config_path.empty()) return g.config_path;
  if (const char* env = std::getenv("AESYNC_CONFIG"); env && *env) return env;
  if (std::filesystem::exists("aesync.toml")) return "aesync.toml";
  return {};
}

Config load_required_config(const GlobalOptions& g) {
  const std::string path = find_config(g);
  if (path.empty()) throw ConfigError("no config file: pass -c FILE, set AESYNC_CONFIG, or create ./aesync.toml");
  log::debug("config", {{"file", path}});
  return load_config(path);
}

void register_secrets(const Config& config) {
  for (const std::string& s : config.secrets()) log::add_secret(s);
  for (const std::string& w : config.warnings) log::warn(w);
}

std::optional<int64_t> parse_day_option(const std::string& value, const char* flag) {
  if (value.empty()) return std::nullopt;
  auto day = parse_day(value);
  if (!day) throw UsageError(std::string(flag) + ": \"" + value + "\" is not a date (YYYY-MM-DD)");
  return day;
}

std::optional<int64_t> parse_now_option(const std::string& value) {
  if (value.empty()) return std::nullopt;
  auto ms = parse_timestamp_ms(value);
  if (!ms || value.size() < 20 || value.back() != 'Z' || value[10] != 'T')
    throw UsageError("--now: \"" + value + "\" is not an RFC 3339 UTC time (2026-02-05T12:00:00Z)");
  return *ms / 1000;
}

void parse_shard(const std::string& value, SyncOptions& o) {
  if (value.empty()) return;
  int k = -1, n = 0;
  char tail;
  if (std::sscanf(value.c_str(), "%d/%d%c", &k, &n, &tail) != 2 || n < 1 || k < 0 || k >= n)
    throw UsageError("--shard: \"" + value + "\" is not K/N with 0 <= K < N");
  o.shard_index = k;
  o.shard_count = n;
}

int run_sync(const GlobalOptions& g, const std::string& date, const std::string& from, const std::string& to,
             bool force, bool dry_run, const std::string& shard, const std::string& now) {
  SyncOptions o;
  o.force = force;
  o.dry_run = dry_run;
  if (!date.empty() && (!from.empty() || !to.empty())) throw UsageError("--date cannot be combined with --from/--to");
  if (!date.empty()) o.from_day = o.to_day = parse_day_option(date, "--date");
  o.from_day = from.empty() ? o.from_day : parse_day_option(from, "--from");
  o.to_day = to.empty() ? o.to_day : parse_day_option(to, "--to");
  if (o.from_day && o.to_day && *o.from_day > *o.to_day) throw UsageError("--from " + from + " is after --to " + to);
  parse_shard(shard, o);
  o.now_seconds = parse_now_option(now);
  o.show_progress = progress_wanted(g.no_progress || g.quiet);

  Config config = load_required_config(g);
  register_secrets(config);
  if (!config.has_source) throw ConfigError(config.file + ": sync needs a [source] table");
  std::unique_ptr<ObjectStore> store = open_destination(config);
  SyncReport report = config.source.type == SourceType::File ? sync_file_source(config, o, *store, std::cout)
                                                             : sync_window_source(config, o, *store, std::cout);
  if (!o.dry_run) print_summary(report, std::cout);
  record_sync_report(report);
  if (report.partitions.empty()) log::warn("no rows in the input matched the plan; nothing was written");
  return report.failed() ? 1 : 0;
}

// Every table's prefix, each with the retention: with several tables each summary line names its table.
int run_prune(const GlobalOptions& g, bool dry_run, const std::string& now) {
  Config config = load_required_config(g);
  register_secrets(config);
  SyncOptions o;
  o.now_seconds = parse_now_option(now);
  std::unique_ptr<ObjectStore> store = open_destination(config);
  for (const TableConfig& table : config.tables) {
    const PruneResult r = prune_partitions(*store, table.prefix, config.sync.retention_days, run_clock(o), dry_run);
    metrics::global().add("aesync_partitions_pruned_total", static_cast<double>(r.days.size()));
    for (const std::string& key : r.deleted_keys)
      std::cout << (dry_run ? "would delete " : "deleted ") << store->describe(key) << "\n";
    std::cout << (config.tables.size() > 1 ? "table " + table.name + ": " : "") << (dry_run ? "dry run: " : "")
              << r.days.size() << " partition(s) older than " << config.sync.retention_days << " days, "
              << r.deleted_keys.size() << " object(s)" << (dry_run ? " would be deleted" : " deleted") << "\n";
    log::info("prune", {{"table", table.name},
                        {"partitions", static_cast<int64_t>(r.days.size())},
                        {"objects", static_cast<int64_t>(r.deleted_keys.size())},
                        {"dry_run", dry_run ? "yes" : "no"}});
  }
  return 0;
}

int run_convert(const GlobalOptions& g, const std::string& input, const std::string& output,
                const std::string& format) {
  const std::string path = find_config(g);
  Config config = path.empty() ? default_config() : load_config(path);
  register_secrets(config);
  std::optional<OutputFormat> fmt = format.empty() ? std::nullopt : parse_output_format(format);
  // Without --format, a .csv / .csv.gz output name picks CSV (gzip for .gz).
  auto ends_with = [&](std::string_view suffix) {
    return output.size() >= suffix.size() && output.compare(output.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (!fmt && ends_with(".csv")) fmt = OutputFormat::Csv;
  if (!fmt && ends_with(".csv.gz")) {
    fmt = OutputFormat::Csv;
    config.output.compression = Compression::Gzip;
  }
  if (fmt && *fmt != config.output.format) {
    config.output.format = *fmt;
    switch (*fmt) {
      case OutputFormat::Csv:
        if (config.output.compression != Compression::Gzip) config.output.compression = Compression::None;
        break;
      case OutputFormat::Parquet:
        if (config.output.compression == Compression::None && path.empty())
          config.output.compression = Compression::Zstd;
        break;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  ConvertResult r = convert_file(config, input, output);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (r.invalid_utf8_replaced) log::warn("invalid UTF-8 replaced with U+FFFD", {{"count", r.invalid_utf8_replaced}});
  log::info("converted", {{"input", input},
                          {"output", output},
                          {"rows", r.rows},
                          {"bytes", r.bytes},
                          {"duration_ms", static_cast<int64_t>(s * 1000)}});
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"aesync: sync Cloudflare Analytics Engine datasets into PostHog's data warehouse (Parquet on R2/S3)",
               "aesync"};
  app.formatter(std::make_shared<HelpFormatter>());
  app.require_subcommand(1);
  app.set_version_flag("--version", version_line());
  GlobalOptions g;
  app.add_option("-c,--config", g.config_path, "config file (default: $AESYNC_CONFIG, then ./aesync.toml)")
      ->type_name("FILE");
  app.add_option("--log-format", g.log_format, "text | json (default: text on a TTY, else json)")
      ->check(CLI::IsMember({"text", "json"}));
  CLI::Option* log_level = app.add_option("--log-level", g.log_level, "debug | info | warn | error | off")
                               ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
  CLI::Option* verbose = app.add_flag("-v,--verbose", g.verbose, "same as --log-level debug");
  CLI::Option* quiet =
      app.add_flag("-q,--quiet", g.quiet, "only warnings and errors: --log-level warn, no progress bar");
  app.add_flag("--no-progress", g.no_progress, "no progress bar");

  std::string date, from, to, shard, now;
  bool force = false, dry_run = false;
  CLI::App* sync = app.add_subcommand("sync", "export partitions (the scheduled plan, or the days named)");
  sync->add_option("--date", date, "one UTC day, YYYY-MM-DD")->type_name("DAY");
  sync->add_option("--from", from, "first day of a backfill, YYYY-MM-DD")->type_name("DAY");
  sync->add_option("--to", to, "last day of a backfill (inclusive), YYYY-MM-DD")->type_name("DAY");
  sync->add_flag("--force", force, "re-export days already exported and verified");
  sync->add_flag("--dry-run", dry_run, "print the plan (days, keys) and touch nothing");
  sync->add_option("--shard", shard, "K/N: only the days whose ordinal modulo N is K")->type_name("K/N");
  sync->add_option("--now", now, "RFC 3339 time that replaces the clock (2026-02-05T12:00:00Z)")->type_name("TIME");

  std::string input, output, format;
  CLI::App* convert = app.add_subcommand("convert", "map an AE JSONEachRow dump to Parquet or CSV (offline)");
  convert->add_option("--input", input, "JSONEachRow file, or - for stdin")->required()->type_name("PATH");
  convert->add_option("--output", output, "output file, or - for stdout")->required()->type_name("PATH");
  convert->add_option("--format", format, "parquet | csv (default: the config's, or from the output name)")
      ->check(CLI::IsMember({"parquet", "csv"}));

  std::string inspect_path;
  size_t inspect_rows = 10;
  bool inspect_json = false;
  CLI::App* inspect = app.add_subcommand("inspect", "show a Parquet file's schema, row groups, statistics and rows");
  inspect->add_option("path", inspect_path, "Parquet file")->required()->type_name("PATH");
  inspect->add_option("--rows", inspect_rows, "rows to show (default 10)")->check(count_validator())->type_name("N");
  inspect->add_flag("--json", inspect_json, "machine-readable output");

  CLI::App* check = app.add_subcommand("check", "validate the config and test the source and the destination");

  bool prune_dry_run = false;
  std::string prune_now;
  CLI::App* prune = app.add_subcommand("prune", "delete partitions older than retention_days");
  prune->add_flag("--dry-run", prune_dry_run, "list what would be deleted and delete nothing");
  prune->add_option("--now", prune_now, "RFC 3339 time that replaces the clock")->type_name("TIME");

  bool status_json = false;
  CLI::App* status = app.add_subcommand("status", "list the partitions in the destination (from their manifests)");
  status->add_flag("--json", status_json, "machine-readable output");

  std::string every, metrics_addr;
  CLI::App* daemon = app.add_subcommand("daemon", "run sync then prune on a schedule until SIGTERM/SIGINT");
  daemon->add_option("--every", every, "schedule period (default [sync] every), aligned to 00:00 UTC")
      ->type_name("DURATION");
  daemon->add_option("--metrics-addr", metrics_addr, "HOST:PORT or :PORT serving / (status page), /metrics, /healthz")
      ->type_name("HOST:PORT");
  std::string metrics_file;
  for (CLI::App* sub : {sync, prune, daemon})
    sub->add_option("--metrics-file", metrics_file, "write Prometheus text there at the end (textfile collector)")
        ->type_name("FILE");

  bool posthog_dry_run = false;
  CLI::App* posthog =
      app.add_subcommand("posthog", "PostHog data warehouse: print the source settings, or link the table");
  posthog->require_subcommand(1);
  CLI::App* posthog_print = posthog->add_subcommand("print", "print the PostHog source settings and the UI steps");
  CLI::App* posthog_link =
      posthog->add_subcommand("link", "create or update the warehouse table through PostHog's API");
  posthog_link->add_flag("--dry-run", posthog_dry_run, "show the requests (secrets masked) and send nothing");
  std::string posthog_table;
  for (CLI::App* sub : {posthog_print, posthog_link})
    sub->add_option("--table", posthog_table, "only this table of the config (default: every table)")
        ->type_name("NAME");

  std::vector<std::string> help_path;
  CLI::App* help = app.add_subcommand("help", "show a command's flags (aesync help posthog link)");
  help->add_option("command", help_path, "the command (and subcommand)")->type_name("COMMAND");
  std::string shell;
  CLI::App* completion = app.add_subcommand("completion", "print the shell completion script (bash, zsh or fish)");
  completion->add_option("shell", shell, "the shell")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  CLI::App* manpage_command = app.add_subcommand("manpage", "print the man page, aesync(1), in troff");

  for (CLI::App* sub : {sync, convert, inspect, check, prune, status, daemon, posthog, posthog_print, posthog_link,
                        help, completion, manpage_command})
    sub->fallthrough();

  app.footer("Run aesync help COMMAND (or aesync COMMAND --help) for a command's flags.");  // the root's only

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::fflush(stdout);
    return handle_parse_error(app, e, std::cout, std::cerr);
  }

  try {
    // Checked here rather than with CLI11's excludes(), which would clutter every command's help.
    if (*verbose && *quiet) throw UsageError("-v/--verbose and -q/--quiet cannot be combined");
    if ((*verbose || *quiet) && *log_level)
      throw UsageError(std::string(*verbose ? "-v/--verbose" : "-q/--quiet") + " cannot be combined with --log-level");
    log::Level level;
    log::parse_level(g.verbose ? "debug" : g.quiet ? "warn" : g.log_level, level);
    log::set_level(level);
    if (!g.log_format.empty()) log::set_format(g.log_format == "json" ? log::Format::Json : log::Format::Text);
    if (*help) return run_help(app, help_path, std::cout);
    if (*completion) {
      std::cout << completion_script(app, shell);
      return 0;
    }
    if (*manpage_command) {
      std::cout << manpage(app);
      return 0;
    }
    if (*sync)
      return with_metrics_file(metrics_file, [&] { return run_sync(g, date, from, to, force, dry_run, shard, now); });
    if (*convert) return run_convert(g, input, output, format);
    if (*inspect) return run_inspect(inspect_path, inspect_rows, inspect_json, std::cout);
    if (*prune) return with_metrics_file(metrics_file, [&] { return run_prune(g, prune_dry_run, prune_now); });
    if (*daemon) {
      std::optional<int64_t> every_seconds;
      if (!every.empty()) {
        every_seconds = parse_duration_seconds(every);
        if (!every_seconds) throw UsageError("--every: \"" + every + "\" is not a duration (90s, 5m, 6h, 1d)");
      }
      Config config = load_required_config(g);
      register_secrets(config);
      return run_daemon(config, every_seconds, metrics_addr, metrics_file);
    }
    if (*posthog) {
      Config config = load_required_config(g);
      register_secrets(config);
      if (*posthog_print) return run_posthog_print(config, posthog_table, std::cout);
      return run_posthog_link(config, posthog_table, posthog_dry_run, std::cout);
    }
    if (*status) {
      Config config = load_required_config(g);
      register_secrets(config);
      std::unique_ptr<ObjectStore> store = open_destination(config);
      return run_status(config, *store, status_json, std::cout, ::isatty(STDOUT_FILENO) != 0);
    }
    if (*check) {
      Config config;
      try {
        config = load_required_config(g);
      } catch (const ConfigError& e) {
        std::cout << "FAIL  config       " << log::redact(e.what()) << "\n";
        return e.exit_code();
      }
      register_secrets(config);
      return run_check(config, std::cout);
    }
  } catch (const Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "aesync: error: %s\n", log::redact(e.what()).c_str());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "aesync: error: %s\n", log::redact(e.what()).c_str());
    return 1;
  }
  return 2;
}

}  // namespace aesync::cli
