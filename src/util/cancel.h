// Cancellation of a whole run (SIGINT/SIGTERM in `sync`, `convert` and the daemon, or a test):
// one process-wide flag that transfers poll and that interrupts waits. After request(), HTTP
// transfers abort with CancelledError, uploads in flight are aborted by their owners, loops of
// aesync's own throw Cancelled (throw_if_requested), and sleep_for returns early.
// install_stop_signals() routes SIGINT/SIGTERM to request(); the daemon also takes SIGHUP as "reload
// the config" (install_hangup_signal, take_hangup).
#pragma once

#include <chrono>
#include <string_view>

#include "util/error.h"

namespace aesync::cancel {

//! What a loop of aesync's own throws when it notices the cancellation.
class Cancelled : public Error {
 public:
  using Error::Error;
};

//! Marks the run as cancelled and wakes every sleeper. Async-signal-safe.
void request();
bool requested();
//! Sleeps up to `d`; returns false (early) if the run is or becomes cancelled.
bool sleep_for(std::chrono::milliseconds d);
//! Throws Cancelled("<where>: cancelled") when the run is cancelled.
void throw_if_requested(std::string_view where);

//! SIGINT and SIGTERM call request(). With `second_kills`, a second one of them ends the process
//! at once by its default action (Ctrl-C twice always stops a command); SIGPIPE is ignored (a
//! peer closing a connection must not kill the process).
void install_stop_signals(bool second_kills);
//! SIGHUP sets a flag that take_hangup() reads and clears, instead of ending the process.
void install_hangup_signal();
//! Whether SIGHUP arrived since the last call.
bool take_hangup();

//! Clears the flag (tests; the daemon between runs never clears it).
void reset();

}  // namespace aesync::cancel
