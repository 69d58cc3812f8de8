// What one `aesync sync` run is asked to do, for every source: the days (--date/--from/--to,
// --shard), --force, --dry-run, --now, the progress bar.
#pragma once

#include <cstdint>
#include <optional>

namespace aesync {

struct SyncOptions {
  std::optional<int64_t> from_day, to_day;  //!< inclusive, days since the epoch
  bool force = false;
  bool dry_run = false;
  int shard_index = 0, shard_count = 1;  //!< --shard K/N
  std::optional<int64_t> now_seconds;    //!< --now
  bool show_progress = false;            //!< a progress bar on stderr (a TTY without --no-progress)
};

//! Seconds since the epoch: --now when given, else the clock.
int64_t run_clock(const SyncOptions& options);

//! Whether `day` is one of the run's: within --from/--to and of its --shard K/N (day mod N == K).
bool in_shard_and_dates(int64_t day, const SyncOptions& options);

}  // namespace aesync
