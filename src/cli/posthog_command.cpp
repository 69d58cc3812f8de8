#include "cli/posthog_command.h"

#include <optional>
#include <string>

#include "posthog/warehouse.h"
#include "util/log.h"

namespace aesync::cli {

using posthog::kMask;

namespace {

// A 403 on a step PostHog's UI can do instead: the API key lacks the step's scope, or (the
// saved joins) an older self-hosted PostHog refuses it through the API. Either way the rest of
// `link` stands; the warning says what to do.
constexpr long kForbidden = 403;

}  // namespace

int run_posthog_print(const Config& config, std::ostream& out) {
  const PostHogConfig& p = posthog::settings_of(config);
  const std::string url = posthog::url_pattern(config);
  const std::string format = posthog::format_name(config.output.format);
  const bool r2 = config.destination.type == DestinationType::R2;
  out << "PostHog data warehouse source for this config:\n"
      << "  table name:        " << p.table << "\n"
      << "  files URL pattern: " << url << "\n"
      << "  format:            " << format << "\n"
      << "  access key:        " << p.read_access_key_id << "  (posthog.read_access_key_id)\n"
      << "  access secret:     " << kMask << "  (posthog.read_secret_access_key, the read-only pair)\n"
      << "\n"
      << "In PostHog (project " << p.project_id << " at " << p.host << "):\n"
      << "  1. Data warehouse -> New source -> Self-managed -> " << (r2 ? "Cloudflare R2" : "Amazon S3") << "\n"
      << "  2. Table name: " << p.table << "\n"
      << "  3. Files URL pattern: " << url << "\n"
      << "  4. File format: " << format << "\n"
      << "  5. Access key: " << p.read_access_key_id << "; secret: the value of posthog.read_secret_access_key\n"
      << "  6. Link: PostHog reads the files once to learn the columns\n";
  if (!p.join_events_on.empty())
    out << "  7. Data warehouse -> " << p.table << " -> Add join: events." << p.join_events_on << " = " << p.table
        << ".machine_id\n";
  out << "Or run `aesync posthog link` to do this through PostHog's API.\n";
  if (url.rfind("https://", 0) != 0)
    out << "note: PostHog accepts only https URLs on a public host; " << config.destination.endpoint << " is not one\n";
  return 0;
}

int run_posthog_link(const Config& config, bool dry_run, std::ostream& out) {
  const PostHogConfig& p = posthog::settings_of(config);
  if (dry_run) {
    out << "dry run: nothing is sent; `aesync posthog link` would make these requests:\n";
    for (const posthog::PlannedRequest& r : posthog::link_plan(config)) {
      out << r.method << " " << p.host << r.path;
      if (!r.when.empty()) out << "   (" << r.when << ")";
      out << "\n  Authorization: Bearer " << kMask << "\n";
      if (!r.body.empty()) out << "  Content-Type: application/json\n  " << r.body << "\n";
    }
    return 0;
  }

  posthog::Warehouse warehouse(config);
  std::optional<std::string> table_id = warehouse.find_table().id;
  if (table_id) {
    warehouse.update_table(*table_id);
    out << "updated warehouse table " << p.table << " (id " << *table_id << ")\n";
  } else {
    table_id = warehouse.create_table();
    out << "created warehouse table " << p.table << " (id " << *table_id << ")\n";
  }
  out.flush();

  try {
    const std::optional<size_t> columns = warehouse.refresh_schema(*table_id);
    out << "refreshed schema: " << (columns ? std::to_string(*columns) : std::string("?")) << " columns\n";
  } catch (const posthog::ApiError& e) {
    if (e.status() != kForbidden) throw;
    log::warn(std::string(e.what()) + "; the schema of " + p.table +
              " was not refreshed: give the API key the scope warehouse_table:write, or in PostHog open Data "
              "warehouse -> " +
              p.table + " and update its schema");
  }
  out.flush();

  if (!p.join_events_on.empty()) {
    try {
      if (warehouse.events_join_exists()) {
        out << "saved join " << posthog::events_join(p) << " already exists\n";
      } else {
        warehouse.create_events_join();
        out << "created saved join " << posthog::events_join(p) << "\n";
      }
    } catch (const posthog::ApiError& e) {
      if (e.status() != kForbidden) throw;
      log::warn(std::string(e.what()) + "; the saved join was not made: give the API key the scope " +
                "warehouse_view:write (an older self-hosted PostHog refuses saved joins through the API), or in " +
                "PostHog open Data warehouse -> " + p.table + " -> Add join: " + posthog::events_join(p));
    }
  }
  return 0;
}

std::string check_posthog(const Config& config) {
  const PostHogConfig& p = posthog::settings_of(config);
  posthog::Warehouse warehouse(config);
  if (warehouse.find_table().found) return p.host + ": project " + p.project_id + ", table " + p.table + " is linked";
  return p.host + ": project " + p.project_id + " reachable; table " + p.table +
         " is not linked yet (aesync posthog link)";
}

}  // namespace aesync::cli
