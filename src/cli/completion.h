// Shell completions and the man page, generated from the command line's definition (the CLI11
// app `run` builds): every command, subcommand, flag, flag value and choice they show is the one
// the parser accepts, so they cannot drift from it. `aesync completion bash|zsh|fish` and
// `aesync manpage` print them; the packaging installs what the built binary prints.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace aesync::cli {

//! One flag of a command as the completions and the man page show it.
struct FlagSpec {
  std::vector<std::string> names;    //!< "-c", "--config"
  std::string value;                 //!< "FILE", "" for a flag without a value
  std::vector<std::string> choices;  //!< the values an IsMember check allows ("text", "json")
  std::string description;
};

//! One command (the root too) as the completions and the man page show it.
struct CommandSpec {
  std::string path;  //!< "" (the root), "sync", "posthog link"
  std::string description;
  std::vector<FlagSpec> flags;  //!< its own flags, --help included
  std::vector<std::string> subcommands;
  std::string positional;                       //!< "PATH", "" when it takes no positional
  std::vector<std::string> positional_choices;  //!< (help: the commands; completion: the shells)
};

//! Every command of `root`, the root first, then depth first in definition order.
std::vector<CommandSpec> describe_commands(const CLI::App& root);

//! The completion script for `shell` ("bash", "zsh", "fish"); UsageError for another.
std::string completion_script(const CLI::App& root, std::string_view shell);

//! aesync(1) in troff (man macros), dated with the build date.
std::string manpage(const CLI::App& root);

}  // namespace aesync::cli
