#include "cli/posthog_command.h"

#include <optional>
#include <string>
#include <vector>

#include "posthog/warehouse.h"
#include "util/log.h"

namespace aesync::cli {

using posthog::kMask;

namespace {

// A 403 on a step PostHog's UI can do instead: the API key lacks the step's scope, or (the
// saved joins) an older self-hosted PostHog refuses it through the API. Either way the rest of
// `link` stands; the warning says what to do.
constexpr long kForbidden = 403;

// The source settings and UI steps of one table, under `heading`.
void print_table(const Config& config, const posthog::WarehouseTable& t, const std::string& heading,
                 std::ostream& out) {
  const PostHogConfig& p = *config.posthog;
  const std::string url = posthog::url_pattern(config, t);
  const std::string format = posthog::format_name(config.output.format);
  const bool r2 = config.destination.type == DestinationType::R2;
  out << heading << "\n"
      << "  table name:        " << t.name << "\n"
      << "  files URL pattern: " << url << "\n"
      << "  format:            " << format << "\n"
      << "  access key:        " << p.read_access_key_id << "  (posthog.read_access_key_id)\n"
      << "  access secret:     " << kMask << "  (posthog.read_secret_access_key, the read-only pair)\n"
      << "\n"
      << "In PostHog (project " << p.project_id << " at " << p.host << "):\n"
      << "  1. Data warehouse -> New source -> Self-managed -> " << (r2 ? "Cloudflare R2" : "Amazon S3") << "\n"
      << "  2. Table name: " << t.name << "\n"
      << "  3. Files URL pattern: " << url << "\n"
      << "  4. File format: " << format << "\n"
      << "  5. Access key: " << p.read_access_key_id << "; secret: the value of posthog.read_secret_access_key\n"
      << "  6. Link: PostHog reads the files once to learn the columns\n";
  if (!t.join_events_on.empty())
    out << "  7. Data warehouse -> " << t.name << " -> Add join: " << posthog::events_join(t) << "\n";
}

// Finds or creates table `t`, refreshes its schema, makes its saved join. `several`: the config
// has more than one table, so every line names its table.
void link_table(posthog::Warehouse& warehouse, const posthog::WarehouseTable& t, bool several, std::ostream& out) {
  std::optional<std::string> table_id = warehouse.find_table(t).id;
  if (table_id) {
    warehouse.update_table(t, *table_id);
    out << "updated warehouse table " << t.name << " (id " << *table_id << ")\n";
  } else {
    table_id = warehouse.create_table(t);
    out << "created warehouse table " << t.name << " (id " << *table_id << ")\n";
  }
  out.flush();

  // A PATCH keeps the columns PostHog stored: only refresh_schema makes it read the files' current
  // schema (columns added or retyped by a mapping change).
  try {
    const std::optional<size_t> columns = warehouse.refresh_schema(*table_id);
    out << "refreshed schema" << (several ? " of " + t.name : std::string()) << ": "
        << (columns ? std::to_string(*columns) : std::string("?")) << " columns\n";
  } catch (const posthog::ApiError& e) {
    if (e.status() == kForbidden) {
      log::warn(std::string(e.what()) + "; the schema of " + t.name +
                " was not refreshed: give the API key the scope warehouse_table:write, or in PostHog open Data "
                "warehouse -> " +
                t.name + " and update its schema");
    } else if (posthog::refresh_unsupported(e.status())) {
      log::warn(std::string(e.what()) + "; this PostHog release cannot refresh the schema of " + t.name +
                " through its API, so PostHog may not see columns added or retyped since the table was made: in "
                "PostHog open Data warehouse -> " +
                t.name + " -> Update schema from source, or, where that is missing too, delete the table " + t.name +
                " there and run `aesync posthog link` again");
    } else {
      throw;
    }
  }
  out.flush();

  if (!t.join_events_on.empty()) {
    try {
      if (warehouse.events_join_exists(t)) {
        out << "saved join " << posthog::events_join(t) << " already exists\n";
      } else {
        warehouse.create_events_join(t);
        out << "created saved join " << posthog::events_join(t) << "\n";
      }
    } catch (const posthog::ApiError& e) {
      if (e.status() != kForbidden) throw;
      log::warn(std::string(e.what()) + "; the saved join was not made: give the API key the scope " +
                "warehouse_view:write (an older self-hosted PostHog refuses saved joins through the API), or in " +
                "PostHog open Data warehouse -> " + t.name + " -> Add join: " + posthog::events_join(t));
    }
    out.flush();
  }
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

int run_posthog_print(const Config& config, const std::string& table, std::ostream& out) {
  posthog::settings_of(config);
  const std::vector<posthog::WarehouseTable> all = posthog::warehouse_tables(config);
  const std::vector<posthog::WarehouseTable> tables = posthog::select_tables(all, table);
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i > 0) out << "\n";
    print_table(config, tables[i],
                all.size() > 1 ? "PostHog data warehouse source for table " + tables[i].name + ":"
                               : "PostHog data warehouse source for this config:",
                out);
  }
  out << "Or run `aesync posthog link` to do this through PostHog's API.\n";
  if (config.destination.endpoint.rfind("https://", 0) != 0)
    out << "note: PostHog accepts only https URLs on a public host; " << config.destination.endpoint << " is not one\n";
  return 0;
}

int run_posthog_link(const Config& config, const std::string& table, bool dry_run, std::ostream& out) {
  const PostHogConfig& p = posthog::settings_of(config);
  const std::vector<posthog::WarehouseTable> all = posthog::warehouse_tables(config);
  const std::vector<posthog::WarehouseTable> tables = posthog::select_tables(all, table);
  if (dry_run) {
    out << "dry run: nothing is sent; `aesync posthog link` would make these requests:\n";
    for (const posthog::PlannedRequest& r : posthog::link_plan(config, tables)) {
      out << r.method << " " << p.host << r.path;
      if (!r.when.empty()) out << "   (" << r.when << ")";
      out << "\n  Authorization: Bearer " << kMask << "\n";
      if (!r.body.empty()) out << "  Content-Type: application/json\n  " << r.body << "\n";
    }
    return 0;
  }

  posthog::Warehouse warehouse(config);
  for (const posthog::WarehouseTable& t : tables) link_table(warehouse, t, all.size() > 1, out);
  return 0;
}

std::string check_posthog(const Config& config) {
  const PostHogConfig& p = posthog::settings_of(config);
  posthog::Warehouse warehouse(config);
  std::vector<std::string> linked, missing;
  for (const posthog::WarehouseTable& t : posthog::warehouse_tables(config))
    (warehouse.find_table(t).found ? linked : missing).push_back(t.name);
  const std::string project = p.host + ": project " + p.project_id;
  if (missing.empty())
    return project +
           (linked.size() == 1 ? ", table " + linked[0] + " is linked" : ", tables " + joined(linked) + " are linked");
  if (linked.empty() && missing.size() == 1)
    return project + " reachable; table " + missing[0] + " is not linked yet (aesync posthog link)";
  return project + " reachable; " + (linked.empty() ? std::string() : "linked: " + joined(linked) + "; ") +
         "not linked yet (aesync posthog link): " + joined(missing);
}

}  // namespace aesync::cli
