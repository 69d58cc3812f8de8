// What an interrupted `sync` says (Ctrl-C / SIGTERM, exit 130): one line naming the days this
// run committed and the days it did not (cancelled, failed or busy), so that the user knows
// what a rerun will do. Days already exported and skipped are not named: the run did not touch
// them. Consecutive days are written as a range ("2026-02-01..2026-02-05"); with several tables
// each day is prefixed by its table ("events/2026-02-01").
#pragma once

#include <ostream>
#include <string>

#include "sync/report.h"

namespace aesync {

//! The exit code of an interrupted command: 128 + SIGINT, as a shell reports a Ctrl-C.
constexpr int kInterruptedExitCode = 130;

//! "interrupted: committed <days|none>; not committed: <days|none>" (no newline).
std::string interrupted_line(const SyncReport& report);

//! Writes "aesync: " + interrupted_line(report) to `err`; returns kInterruptedExitCode.
int report_interrupted(const SyncReport& report, std::ostream& err);

}  // namespace aesync
