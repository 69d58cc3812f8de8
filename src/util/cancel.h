// Cancellation of a whole run (SIGTERM/SIGINT in the daemon, or a test): one process-wide flag
// that transfers poll and that interrupts waits. After request(), HTTP transfers abort with
// CancelledError, uploads in flight are aborted by their owners, and sleep_for returns early.
#pragma once

#include <chrono>

namespace aesync::cancel {

//! Marks the run as cancelled and wakes every sleeper. Async-signal-safe.
void request();
bool requested();
//! Sleeps up to `d`; returns false (early) if the run is or becomes cancelled.
bool sleep_for(std::chrono::milliseconds d);
//! Clears the flag (tests; the daemon between runs never clears it).
void reset();

}  // namespace aesync::cancel
