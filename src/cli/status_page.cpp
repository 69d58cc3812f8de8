#include "cli/status_page.h"

#include <algorithm>
#include <cstdio>

#include "sync/layout.h"
#include "util/log.h"
#include "util/time.h"

namespace aesync::cli {

namespace {

// The chart's geometry (SVG user units; the SVG scales to the page's width).
constexpr int kChartWidth = 900;
constexpr int kChartHeight = 180;
constexpr int kPlotLeft = 70;    // room for the y axis' labels
constexpr int kPlotBottom = 24;  // room for the x axis' labels
constexpr int kPlotTop = 10;

constexpr const char* kStyle = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1f24; background: #fff; }
h1 { font-size: 1.4em; margin: 0 0 .2em; } h2 { font-size: 1.15em; margin: 1.4em 0 .4em; }
.meta { color: #57606a; margin: 0; }
table { border-collapse: collapse; margin: .3em 0; }
th, td { padding: .2em .7em; border-bottom: 1px solid #d0d7de; text-align: left; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; } .failed, .error { color: #cf222e; } .cancelled, .sampled, .old { color: #9a6700; }
td.message { white-space: pre-wrap; word-break: break-all; }
svg.chart { width: 100%; max-width: 900px; height: auto; display: block; }
svg.chart .bar { fill: #0969da; } svg.chart .bar.sampled { fill: #d4a72c; } svg.chart .bar.old { fill: #8c959f; }
svg.chart .axis { stroke: #8c959f; stroke-width: 1; } svg.chart text { font-size: 11px; fill: #57606a; }
)";

std::string num(uint64_t v) { return std::to_string(v); }

// "850 ms", "12.3 s", "4 m 05 s", "2 h 03 m".
std::string duration_text(int64_t ms) {
  char buf[32];
  if (ms < 1000)
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  else if (ms < 60'000)
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000);
  else if (ms < 3'600'000)
    std::snprintf(buf, sizeof buf, "%lld m %02lld s", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms / 1000 % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld h %02lld m", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms / 60'000 % 60));
  return buf;
}

// A day's state as the page and the chart name it: "verified", "read-sampled", "not verified".
const char* state_of(const Manifest& m) {
  if (m.verified) return "verified";
  return m.read_sampled ? "read-sampled" : "not verified";
}

void append_runs(std::string& h, const std::vector<RunRecord>& runs) {
  h += "<h2>Last runs</h2>\n";
  if (runs.empty()) {
    h += "<p id=\"no-runs\">No run has finished yet.</p>\n";
    return;
  }
  h += "<table id=\"runs\"><thead><tr><th>run</th><th>started</th><th class=\"n\">duration</th><th>outcome</th>"
       "<th class=\"n\">partitions</th><th class=\"n\">rows</th><th class=\"n\">bytes</th></tr></thead><tbody>\n";
  for (const RunRecord& r : runs) {
    const std::string outcome = html_escape(r.outcome);
    h += "<tr class=\"run\" data-run=\"" + std::to_string(r.run) + "\" data-outcome=\"" + outcome + "\"><td>#" +
         std::to_string(r.run) + "</td><td>" + format_rfc3339(r.started_at) + "</td><td class=\"n\">" +
         duration_text(r.duration_ms) + "</td><td class=\"" + outcome + "\">" + outcome + "</td><td class=\"n\">" +
         std::to_string(r.partitions) + "</td><td class=\"n\">" + num(r.rows) + "</td><td class=\"n\">" + num(r.bytes) +
         "</td></tr>\n";
  }
  h += "</tbody></table>\n";
}

// Every partition of the kept runs that was not exported, with its message; a failed run
// without such a partition (it threw before or after them) with the run's message.
void append_failures(std::string& h, const std::vector<RunRecord>& runs) {
  h += "<h2>Failures</h2>\n";
  std::string rows;
  for (const RunRecord& r : runs) {
    const std::string run = "<td>#" + std::to_string(r.run) + "</td>";
    for (const PartitionOutcome& p : r.not_exported)
      rows += "<tr class=\"failure\">" + run + "<td>" + html_escape(p.table) + "</td><td>" + html_escape(p.day) +
              "</td><td>" + html_escape(std::string(to_string(p.status))) + "</td><td class=\"message\">" +
              html_escape(p.error) + "</td></tr>\n";
    if (r.not_exported.empty() && r.outcome == "failed")
      rows += "<tr class=\"failure\">" + run + "<td></td><td></td><td>failed</td><td class=\"message\">" +
              html_escape(r.error) + "</td></tr>\n";
  }
  if (rows.empty()) {
    h += "<p id=\"no-failures\">None in the last runs.</p>\n";
    return;
  }
  h += "<table id=\"failures\"><thead><tr><th>run</th><th>table</th><th>day</th><th>status</th><th>message</th></tr>"
       "</thead><tbody>\n" +
       rows + "</tbody></table>\n";
}

// Rows per day over the retention period: the x axis spans every day from the oldest one prune
// keeps to today, one slot each; each exported day in that period is one bar (a day exported
// with 0 rows a 1-unit line, so that it differs from a day never exported).
void append_chart(std::string& h, const TableDays& t, int64_t first_day, int64_t today) {
  const int64_t slots = today - first_day + 1;
  uint64_t max_rows = 0;
  for (const PartitionEntry& p : t.parts)
    if (p.manifest && p.day >= first_day && p.day <= today) max_rows = std::max(max_rows, p.manifest->rows);
  const double plot_w = kChartWidth - kPlotLeft - 10;
  const double plot_h = kChartHeight - kPlotTop - kPlotBottom;
  const double slot_w = plot_w / static_cast<double>(slots);
  const double base = kPlotTop + plot_h;
  h += "<svg class=\"chart\" data-table=\"" + html_escape(t.name) + "\" data-days=\"" + std::to_string(slots) +
       "\" data-max-rows=\"" + num(max_rows) + "\" viewBox=\"0 0 " + std::to_string(kChartWidth) + " " +
       std::to_string(kChartHeight) + "\" role=\"img\" aria-label=\"rows per day\">\n";
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\"/>\n"
                "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%llu</text>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">0</text>\n"
                "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
                kPlotLeft, base, kChartWidth - 10, base, kPlotLeft, kPlotTop, kPlotLeft, base, kPlotLeft - 6,
                kPlotTop + 10, static_cast<unsigned long long>(max_rows), kPlotLeft - 6, base, kPlotLeft,
                kChartHeight - 6, format_day(first_day).c_str(), kChartWidth - 10, kChartHeight - 6,
                format_day(today).c_str());
  h += buf;
  for (const PartitionEntry& p : t.parts) {
    if (!p.manifest || p.day < first_day || p.day > today) continue;
    const Manifest& m = *p.manifest;
    const double height =
        max_rows == 0 ? 1 : std::max(1.0, plot_h * static_cast<double>(m.rows) / static_cast<double>(max_rows));
    const double x = kPlotLeft + slot_w * static_cast<double>(p.day - first_day) + slot_w * 0.1;
    const std::string cls = t.drift.is_old(p.day) ? "bar old" : m.verified ? "bar" : "bar sampled";
    const std::string day = format_day(p.day);
    std::snprintf(buf, sizeof buf,
                  "<rect class=\"%s\" data-day=\"%s\" data-rows=\"%llu\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                  "height=\"%.2f\"><title>%s: %llu rows</title></rect>\n",
                  cls.c_str(), day.c_str(), static_cast<unsigned long long>(m.rows), x, base - height,
                  std::max(0.5, slot_w * 0.8), height, day.c_str(), static_cast<unsigned long long>(m.rows));
    h += buf;
  }
  h += "</svg>\n";
}

void append_days(std::string& h, const TableDays& t) {
  h += "<table class=\"days\" data-table=\"" + html_escape(t.name) +
       "\"><thead><tr><th>day</th><th class=\"n\">rows</th><th class=\"n\">bytes</th><th>exported at</th>"
       "<th>state</th><th>schema</th></tr></thead><tbody>\n";
  uint64_t rows = 0, bytes = 0;
  for (auto it = t.parts.rbegin(); it != t.parts.rend(); ++it) {
    const PartitionEntry& p = *it;
    const std::string day = format_day(p.day);
    if (!p.manifest) {
      h += "<tr class=\"day\" data-day=\"" + day + "\"><td>" + day + "</td><td class=\"error\" colspan=\"5\">" +
           html_escape(p.manifest_error.empty() ? "no manifest" : p.manifest_error) + "</td></tr>\n";
      continue;
    }
    const Manifest& m = *p.manifest;
    const bool old = t.drift.is_old(p.day);
    const char* state = state_of(m);
    h += "<tr class=\"day\" data-day=\"" + day + "\"><td>" + day + "</td><td class=\"n rows\">" + num(m.rows) +
         "</td><td class=\"n bytes\">" + num(m.bytes) + "</td><td>" + html_escape(m.exported_at) + "</td><td class=\"" +
         (m.verified ? "ok" : "sampled") + " state\">" + state + "</td><td class=\"schema" + (old ? " old" : "") +
         "\">" + (old ? "old schema " + html_escape(manifest_fingerprint(m)) : std::string("current")) + "</td></tr>\n";
    rows += m.rows;
    bytes += m.bytes;
  }
  h += "</tbody><tfoot><tr><th>total</th><th class=\"n\">" + num(rows) + "</th><th class=\"n\">" + num(bytes) +
       "</th><th colspan=\"3\">" + std::to_string(t.parts.size()) + " partitions</th></tr></tfoot></table>\n";
  if (!t.drift.old_days.empty())
    h += "<p class=\"old\">" + std::to_string(t.drift.old_days.size()) +
         " day(s) with an old schema: re-export with <code>" + html_escape(t.drift.reexport_command()) +
         "</code></p>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

void RunHistory::add(RunRecord run) {
  std::lock_guard lock(mutex_);
  if (runs_.size() == kKept) runs_.erase(runs_.begin());
  runs_.push_back(std::move(run));
  ++count_;
}

std::vector<RunRecord> RunHistory::newest_first() const {
  std::lock_guard lock(mutex_);
  return {runs_.rbegin(), runs_.rend()};
}

int64_t RunHistory::count() const {
  std::lock_guard lock(mutex_);
  return count_;
}

std::vector<TableDays> read_table_days(const Config& config, ObjectStore& store) {
  std::vector<TableDays> tables;
  for (const TableConfig& table : config.tables) {
    TableDays t{table.name, table.dataset, store.describe(PartitionLayout(table.prefix).root()), {}, {}, {}};
    try {
      t.parts = list_partitions(store, table.prefix, true);
      t.drift = find_schema_drift(table, t.parts);
    } catch (const std::exception& e) {
      t.parts.clear();
      t.error = log::redact(e.what());
    }
    tables.push_back(std::move(t));
  }
  return tables;
}

std::string render_status_page(const StatusPage& page) {
  const int64_t today = day_of_ms(page.now_seconds * 1000);
  const int64_t first_day = today - page.retention_days;  // the oldest day prune keeps
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"refresh\" "
      "content=\"" +
      std::to_string(page.refresh_seconds) +
      "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>aesync status</title>\n<style>" +
      kStyle + "</style></head>\n<body>\n<h1>aesync</h1>\n<p class=\"meta\">as of <span id=\"now\">" +
      format_rfc3339(page.now_seconds) + "</span> · retention " + std::to_string(page.retention_days) +
      " days · this page reloads every " + std::to_string(page.refresh_seconds) + " s</p>\n";
  append_runs(h, page.runs);
  append_failures(h, page.runs);
  for (const TableDays& t : page.tables) {
    h += "<section class=\"table\" data-table=\"" + html_escape(t.name) + "\">\n<h2>table " + html_escape(t.name) +
         (t.dataset.empty() ? std::string() : " <small>(dataset " + html_escape(t.dataset) + ")</small>") +
         "</h2>\n<p class=\"meta\">under <code class=\"location\">" + html_escape(t.location) + "</code></p>\n";
    if (!t.error.empty()) {
      h += "<p class=\"error listing\">cannot list the destination: " + html_escape(t.error) + "</p>\n</section>\n";
      continue;
    }
    if (t.parts.empty())
      h += "<p class=\"error empty\">no partitions under " + html_escape(t.location) +
           " (a mistyped destination or prefix, or no run exported yet)</p>\n";
    h += "<h3>rows per day, " + format_day(first_day) + " to " + format_day(today) + "</h3>\n";
    append_chart(h, t, first_day, today);
    append_days(h, t);
    h += "</section>\n";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace aesync::cli
