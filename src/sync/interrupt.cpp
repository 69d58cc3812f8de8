#include "sync/interrupt.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "util/time.h"

namespace aesync {

namespace {

// "d1, d2..d5, t/d7": runs of consecutive days of one table become ranges.
std::string day_list(const std::vector<const PartitionOutcome*>& outcomes, bool several_tables) {
  if (outcomes.empty()) return "none";
  std::string out;
  auto name = [&](const PartitionOutcome& p) { return several_tables ? p.table + "/" + p.day : p.day; };
  size_t i = 0;
  while (i < outcomes.size()) {
    size_t j = i;
    // Extends the run while the next outcome is the next day of the same table.
    while (j + 1 < outcomes.size()) {
      const std::optional<int64_t> a = parse_day(outcomes[j]->day), b = parse_day(outcomes[j + 1]->day);
      if (!a || !b || *b != *a + 1 || outcomes[j]->table != outcomes[j + 1]->table) break;
      ++j;
    }
    if (!out.empty()) out += ", ";
    out += name(*outcomes[i]);
    if (j > i) out += ".." + outcomes[j]->day;
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string interrupted_line(const SyncReport& report) {
  std::vector<const PartitionOutcome*> committed, not_committed;
  bool several = false;
  for (const PartitionOutcome& p : report.partitions) {
    several = several || p.table != report.partitions.front().table;
    switch (p.status) {
      case PartitionStatus::Ok: committed.push_back(&p); break;
      case PartitionStatus::Cancelled:
      case PartitionStatus::Failed:
      case PartitionStatus::Busy: not_committed.push_back(&p); break;
      case PartitionStatus::Skipped:
      case PartitionStatus::Planned: break;
    }
  }
  // Table order first, so that each table's days form runs.
  auto by_table = [](std::vector<const PartitionOutcome*>& v) {
    std::stable_sort(v.begin(), v.end(), [](const PartitionOutcome* a, const PartitionOutcome* b) {
      return a->table != b->table ? a->table < b->table : a->day < b->day;
    });
  };
  by_table(committed);
  by_table(not_committed);
  return "interrupted: committed " + day_list(committed, several) +
         "; not committed: " + day_list(not_committed, several);
}

}  // namespace aesync

namespace aesync {

int report_interrupted(const SyncReport& report, std::ostream& err) {
  err << "aesync: " << interrupted_line(report) << "\n" << std::flush;
  return kInterruptedExitCode;
}

}  // namespace aesync
