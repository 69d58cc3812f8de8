// Help and parse errors: the command line speaks like the rest of aesync. Every command's help
// lists the global flags too (they apply to every command); `aesync help [command...]` prints a
// command's help; a command line CLI11 cannot parse is one `aesync: error: <message>` line
// (exit 2) that names the culprit and, for an unknown command or flag within an edit distance of
// 2 of a real one, suggests it ("did you mean").
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace aesync::cli {

//! CLI11's help layout, with a "Global options" group (the root's flags but --help) in each
//! command's help, between its own options and its subcommands.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override;
};

//! The command `path` names under `root` ("posthog", "link" -> posthog link); `root` itself for
//! an empty path. Throws UsageError naming the first unknown word, with a suggestion.
const CLI::App& find_command(const CLI::App& root, const std::vector<std::string>& path);

//! `aesync help [command...]`: that command's help on `out`, exit 0.
int run_help(const CLI::App& root, const std::vector<std::string>& path, std::ostream& out);

//! The one-line message for a parse error of `root` (after `root.parse` threw it): an unknown
//! command or flag first (with "did you mean"), else CLI11's message made aesync's.
std::string parse_error_message(const CLI::App& root, const CLI::ParseError& e);

//! What `run` does with a parse error: --help and --version print on `out` (exit 0); anything
//! else is `aesync: error: <parse_error_message>` on `err` (exit 2).
int handle_parse_error(const CLI::App& root, const CLI::ParseError& e, std::ostream& out, std::ostream& err);

//! Validator of a count option (--rows): a whole number, 0 or more, that fits in 63 bits. CLI11
//! alone lets "-1" wrap around in a size_t.
CLI::Validator count_validator();

//! The parsed command under `root` the user named, the deepest one (`root` when none).
const CLI::App& selected_command(const CLI::App& root);

//! "aesync posthog link": the command's full name.
std::string command_name(const CLI::App& command);

}  // namespace aesync::cli
