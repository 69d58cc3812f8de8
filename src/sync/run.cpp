#include "sync/run.h"

#include "util/time.h"

namespace aesync {

int64_t run_clock(const SyncOptions& options) { return options.now_seconds ? *options.now_seconds : now_seconds(); }

bool in_shard_and_dates(int64_t day, const SyncOptions& options) {
  if (options.from_day && day < *options.from_day) return false;
  if (options.to_day && day > *options.to_day) return false;
  const int64_t n = options.shard_count;
  return ((day % n) + n) % n == options.shard_index;
}

}  // namespace aesync
