#include "sync/report.h"

#include <algorithm>
#include <cstdio>

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
    rows += p.rows;
    bytes += p.bytes;
  }
  std::snprintf(line, sizeof line, "%-12s %12llu %14llu\n", "total", static_cast<unsigned long long>(rows),
                static_cast<unsigned long long>(bytes));
  out << table_cell("") << line;
  for (const std::string& w : report.warnings) out << "warning: " << w << "\n";
}

void print_plan_header(std::ostream& out, size_t partitions, const std::string& source) {
  out << "plan: " << partitions << " partition(s) from " << source << "\n";
}

}  // namespace aesync
