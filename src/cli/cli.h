// The command line: parses argv with CLI11, dispatches to a command, maps errors to exit codes
// (0 ok, 1 runtime failure, 2 usage/config error; docs/commands.md).
#pragma once

namespace aesync::cli {

int run(int argc, char** argv);

}  // namespace aesync::cli
