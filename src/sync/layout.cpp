#include "sync/layout.h"

#include <algorithm>
#include <iterator>

#include "util/time.h"

namespace aesync {

namespace {

// Every name aesync writes in a day's folder. Anything else there is not ours: never listed,
// never deleted.
constexpr std::string_view kLayoutNames[] = {"data.parquet", "data.csv", "data.csv.gz", kManifestName, kLeaseName};

bool last_segment_is(std::string_view key, std::string_view name) {
  return key.size() > name.size() && key.ends_with(name) && key[key.size() - name.size() - 1] == '/';
}

}  // namespace

std::string data_file_name(const OutputConfig& output) {
  switch (output.format) {
    case OutputFormat::Csv: return output.compression == Compression::Gzip ? "data.csv.gz" : "data.csv";
    case OutputFormat::Parquet: return "data.parquet";
  }
  return "data.parquet";
}

bool is_layout_name(std::string_view name) {
  return std::find(std::begin(kLayoutNames), std::end(kLayoutNames), name) != std::end(kLayoutNames);
}

bool is_manifest_key(std::string_view key) { return last_segment_is(key, kManifestName); }
bool is_lease_key(std::string_view key) { return last_segment_is(key, kLeaseName); }

PartitionLayout::PartitionLayout(std::string prefix)
    : prefix_(std::move(prefix)), root_(prefix_.empty() ? std::string() : prefix_ + "/") {}

std::string PartitionLayout::day_prefix(int64_t day) const { return root_ + format_day(day) + "/"; }

std::string PartitionLayout::key(int64_t day, std::string_view name) const {
  return day_prefix(day) + std::string(name);
}

std::optional<int64_t> PartitionLayout::day_of_key(std::string_view key) const {
  if (!key.starts_with(root_)) return std::nullopt;
  const std::string_view rest = key.substr(root_.size());
  // "YYYY-MM-DD/<name>"
  if (rest.size() < 12 || rest[10] != '/') return std::nullopt;
  const auto day = parse_day(rest.substr(0, 10));
  if (!day || !is_layout_name(rest.substr(11))) return std::nullopt;
  return day;
}

}  // namespace aesync
