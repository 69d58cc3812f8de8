#include "cli/help.h"

#include <charconv>
#include <ostream>
#include <sstream>

#include "util/error.h"
#include "util/text.h"

namespace aesync::cli {

namespace {

std::string in_quotes(std::string_view s) { return "\"" + shown(s, 80) + "\""; }

// "posthog link: " before a message about that command; "" for the program itself.
std::string prefix(const CLI::App& command) {
  if (!command.get_parent()) return {};
  const std::string name = command_name(command);
  return name.substr(name.find(' ') + 1) + ": ";
}

std::vector<std::string> subcommand_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::App* sub : command.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

// Every flag spelling the command accepts: its own and, as each command falls through to its
// parents, theirs.
std::vector<std::string> flag_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::App* app = &command; app; app = app->get_parent()) {
    for (const CLI::Option* opt : app->get_options()) {
      for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
      for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
    }
  }
  return names;
}

std::string join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : std::string(sep)) + w;
  return out;
}

std::string unknown_command(const CLI::App& parent, const std::string& word) {
  const std::vector<std::string> names = subcommand_names(parent);
  const std::string_view best = nearest(word, names);
  const std::string where = prefix(parent);
  std::string msg = where + "unknown command " + in_quotes(word);
  if (!best.empty()) return msg + " (did you mean " + in_quotes(best) + "?)";
  return msg + " (commands: " + join(names, ", ") + ")";
}

std::string unknown_flag(const CLI::App& command, const std::string& word) {
  const std::string flag = word.substr(0, word.find('='));  // --form=csv names --form
  std::string msg = prefix(command) + "unknown flag " + in_quotes(flag);
  const std::vector<std::string> names = flag_names(command);  // nearest() points into it
  const std::string_view best = nearest(flag, names);
  if (!best.empty()) msg += " (did you mean " + in_quotes(best) + "?)";
  return msg + " (see " + command_name(command) + " --help)";
}

// The word CLI11 could not place: an unknown flag first (a positional after it is likely its
// value), else the first stray word.
std::string first_unplaced(const std::vector<std::string>& words) {
  for (const std::string& w : words)
    if (w.size() > 1 && w[0] == '-' && w != "--") return w;
  for (const std::string& w : words)
    if (w != "--") return w;
  return {};
}

// CLI11's messages, reworded where they would read oddly after "aesync: error:".
std::string reworded(const CLI::App& command, const CLI::ParseError& e) {
  const std::string what = e.what();
  const std::string where = prefix(command);
  if (dynamic_cast<const CLI::RequiredError*>(&e) && what.rfind("A subcommand", 0) == 0)
    return where + "a command is required: " + join(subcommand_names(command), ", ") + " (see " +
           command_name(command) + " --help)";
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) {
    // "Expected exactly 1 arguments to --date, got 0" / "--date: 1 required TEXT missing"
    for (const CLI::Option* opt : command.get_options()) {
      const std::string name = opt->get_name();
      if (!name.empty() && what.find(name) != std::string::npos &&
          (what.find("got 0") != std::string::npos || what.find("missing") != std::string::npos))
        return where + name + " needs a value";
    }
  }
  // A flag's own check names the flag, which may be a global one: no command before it.
  if (dynamic_cast<const CLI::ValidationError*>(&e)) {
    const CLI::App* root = &command;
    while (root->get_parent()) root = root->get_parent();
    for (const CLI::Option* opt : root->get_options())
      if (what.rfind(opt->get_name() + ":", 0) == 0) return what;
  }
  return where + what;
}

}  // namespace

std::string HelpFormatter::make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const {
  if (mode == CLI::AppFormatMode::Sub) return CLI::Formatter::make_help(app, std::move(name), mode);
  std::ostringstream out;
  out << make_description(app) << make_usage(app, name) << make_positionals(app) << make_groups(app, mode);
  if (const CLI::App* parent = app->get_parent()) {
    const CLI::App* root = parent;
    while (root->get_parent()) root = root->get_parent();
    std::vector<const CLI::Option*> global =
        root->get_options([root](const CLI::Option* opt) { return opt != root->get_help_ptr(); });
    if (!global.empty()) out << make_group("Global options", false, global);
  }
  out << make_subcommands(app, mode) << '\n' << make_footer(app);
  return out.str();
}

const CLI::App& find_command(const CLI::App& root, const std::vector<std::string>& path) {
  const CLI::App* command = &root;
  for (const std::string& word : path) {
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : command->get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == word) next = sub;
    if (!next) {
      if (command->get_subcommands([](const CLI::App*) { return true; }).empty())
        throw UsageError(command_name(*command) + " has no subcommands (unexpected " + in_quotes(word) + ")");
      throw UsageError(unknown_command(*command, word));
    }
    command = next;
  }
  return *command;
}

int run_help(const CLI::App& root, const std::vector<std::string>& path, std::ostream& out) {
  const CLI::App& command = find_command(root, path);
  // The formatter itself: App::help() would show the help of the command parsed, `help`.
  out << command.get_formatter()->make_help(&command, command_name(command), CLI::AppFormatMode::Normal);
  return 0;
}

const CLI::App& selected_command(const CLI::App& root) {
  const CLI::App* command = &root;
  for (;;) {
    const std::vector<CLI::App*> parsed = command->get_subcommands();
    if (parsed.empty()) return *command;
    command = parsed.front();
  }
}

std::string command_name(const CLI::App& command) {
  std::string name = command.get_name();
  for (const CLI::App* app = command.get_parent(); app; app = app->get_parent()) name = app->get_name() + " " + name;
  return name;
}

std::string parse_error_message(const CLI::App& root, const CLI::ParseError& e) {
  const CLI::App& command = selected_command(root);
  const std::string word = first_unplaced(root.remaining(true));
  if (!word.empty()) {
    if (word[0] == '-') return unknown_flag(command, word);
    if (!command.get_subcommands([](const CLI::App*) { return true; }).empty() && command.get_subcommands().empty())
      return unknown_command(command, word);
    return prefix(command) + "unexpected argument " + in_quotes(word);
  }
  return reworded(command, e);
}

int handle_parse_error(const CLI::App& root, const CLI::ParseError& e, std::ostream& out, std::ostream& err) {
  if (dynamic_cast<const CLI::CallForHelp*>(&e) || dynamic_cast<const CLI::CallForAllHelp*>(&e)) {
    out << root.help();  // the help of the command named before --help
    return 0;
  }
  if (dynamic_cast<const CLI::CallForVersion*>(&e)) {
    out << e.what() << "\n";
    return 0;
  }
  err << "aesync: error: " << parse_error_message(root, e) << "\n";
  return 2;
}

CLI::Validator count_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        int64_t n = -1;
        const char* end = value.data() + value.size();
        const auto [ptr, ec] = std::from_chars(value.data(), end, n);
        if (value.empty() || ec != std::errc() || ptr != end || n < 0)
          return in_quotes(value) + " is not a count (a whole number, 0 or more)";
        return {};
      },
      "");
}

}  // namespace aesync::cli
