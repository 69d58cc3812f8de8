#include "sync/report.h"

#include <algorithm>
#include <cstdio>

#include "util/json_writer.h"

namespace aesync {

std::string_view to_string(PartitionStatus status) {
  switch (status) {
    case PartitionStatus::Ok: return "ok";
    case PartitionStatus::Busy: return "busy";
    case PartitionStatus::Skipped: return "skipped";
    case PartitionStatus::Failed: return "failed";
    case PartitionStatus::Planned: return "planned";
    case PartitionStatus::Cancelled: return "cancelled";
  }
  return "unknown";
}

namespace {

// Whether a partition's rows and bytes count in the totals: what this run wrote or plans to.
bool counts_in_totals(PartitionStatus status) {
  switch (status) {
    case PartitionStatus::Ok:
    case PartitionStatus::Failed:
    case PartitionStatus::Planned: return true;
    case PartitionStatus::Busy:
    case PartitionStatus::Skipped:
    case PartitionStatus::Cancelled: return false;
  }
  return false;
}

std::string string_or_null(const std::string& s) { return s.empty() ? "null" : json::quote(s); }

}  // namespace

bool SyncReport::failed() const {
  return std::any_of(partitions.begin(), partitions.end(), [](const PartitionOutcome& p) {
    switch (p.status) {
      case PartitionStatus::Failed: return true;
      case PartitionStatus::Ok:
      case PartitionStatus::Busy:
      case PartitionStatus::Skipped:
      case PartitionStatus::Planned:
      case PartitionStatus::Cancelled: return false;
    }
    return true;
  });
}

void print_summary(const SyncReport& report, std::ostream& out) {
  // A table column only when there are several: a single-table run prints what it always did.
  size_t table_width = 0;
  bool several = false;
  for (const PartitionOutcome& p : report.partitions) {
    table_width = std::max(table_width, std::max<size_t>(p.table.size(), 5));
    several = several || p.table != report.partitions.front().table;
  }
  auto table_cell = [&](const std::string& t) {
    return several ? t + std::string(table_width - t.size() + 1, ' ') : std::string();
  };
  char line[160];
  std::snprintf(line, sizeof line, "%-12s %12s %14s %9s  %s\n", "day", "rows", "bytes", "seconds", "status");
  out << table_cell("table") << line;
  uint64_t rows = 0, bytes = 0;
  for (const PartitionOutcome& p : report.partitions) {
    const std::string status(to_string(p.status));
    std::snprintf(line, sizeof line, "%-12s %12llu %14llu %9.2f  %s\n", p.day.c_str(),
                  static_cast<unsigned long long>(p.rows), static_cast<unsigned long long>(p.bytes), p.seconds,
                  status.c_str());
    out << table_cell(p.table) << line;
    const std::string where = several ? p.table + " " + p.day : p.day;
    if (!p.error.empty()) out << "  " << where << ": " << p.error << "\n";
    if (!p.warning.empty()) out << "  " << where << ": " << p.warning << "\n";
    if (!counts_in_totals(p.status)) continue;
    rows += p.rows;
    bytes += p.bytes;
  }
  std::snprintf(line, sizeof line, "%-12s %12llu %14llu\n", "total", static_cast<unsigned long long>(rows),
                static_cast<unsigned long long>(bytes));
  out << table_cell("") << line;
  for (const std::string& w : report.warnings) out << "warning: " << w << "\n";
}

void print_summary_json(const SyncReport& report, std::ostream& out) {
  std::string o = "{\"partitions\": [";
  uint64_t rows = 0, bytes = 0;
  size_t ok = 0, busy = 0, skipped = 0, failed = 0, planned = 0, cancelled = 0;
  for (size_t i = 0; i < report.partitions.size(); ++i) {
    const PartitionOutcome& p = report.partitions[i];
    o += i ? ", " : "";
    o += "{\"day\": " + json::quote(p.day) + ", \"table\": " + json::quote(p.table) +
         ", \"status\": " + json::quote(to_string(p.status)) + ", \"rows\": " + std::to_string(p.rows) +
         ", \"sample_weight\": " + std::to_string(p.sample_weight) + ", \"bytes\": " + std::to_string(p.bytes) +
         ", \"seconds\": ";
    json::append_double(o, p.seconds);
    o += ", \"data_key\": " + string_or_null(p.data_key) + ", \"error\": " + string_or_null(p.error) +
         ", \"warning\": " + string_or_null(p.warning) + ", \"read_sampled\": " + (p.read_sampled ? "true" : "false") +
         "}";
    switch (p.status) {
      case PartitionStatus::Ok: ++ok; break;
      case PartitionStatus::Busy: ++busy; break;
      case PartitionStatus::Skipped: ++skipped; break;
      case PartitionStatus::Failed: ++failed; break;
      case PartitionStatus::Planned: ++planned; break;
      case PartitionStatus::Cancelled: ++cancelled; break;
    }
    if (!counts_in_totals(p.status)) continue;
    rows += p.rows;
    bytes += p.bytes;
  }
  o += "], \"totals\": {\"partitions\": " + std::to_string(report.partitions.size()) +
       ", \"rows\": " + std::to_string(rows) + ", \"bytes\": " + std::to_string(bytes) +
       ", \"ok\": " + std::to_string(ok) + ", \"busy\": " + std::to_string(busy) +
       ", \"skipped\": " + std::to_string(skipped) + ", \"failed\": " + std::to_string(failed) +
       ", \"planned\": " + std::to_string(planned) + ", \"cancelled\": " + std::to_string(cancelled) +
       ", \"rows_read\": " + std::to_string(report.rows_read) +
       ", \"rows_skipped\": " + std::to_string(report.rows_skipped) +
       ", \"invalid_utf8_replaced\": " + std::to_string(report.invalid_utf8_replaced) + "}, \"warnings\": [";
  for (size_t i = 0; i < report.warnings.size(); ++i) o += (i ? ", " : "") + json::quote(report.warnings[i]);
  o += std::string("], \"failed\": ") + (report.failed() ? "true" : "false") + "}\n";
  out << o;
  out.flush();
}

void print_plan_header(std::ostream& out, size_t partitions, const std::string& source) {
  out << "plan: " << partitions << " partition(s) from " << source << "\n";
}

}  // namespace aesync
