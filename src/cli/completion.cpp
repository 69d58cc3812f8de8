#include "cli/completion.h"

#include <set>
#include <sstream>

#include "util/error.h"

namespace aesync::cli {

namespace {

// "TEXT:{text,json}" -> {"text", "json"}: CLI11 writes an IsMember check's set into the type name.
std::vector<std::string> choices_of(const std::string& type_name) {
  std::vector<std::string> out;
  const size_t open = type_name.find(":{");
  const size_t close = type_name.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  std::string item;
  for (char c : type_name.substr(open + 2, close - open - 2)) {
    if (c == ',') {
      out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  if (!item.empty()) out.push_back(item);
  return out;
}

// "TEXT:{text,json}" -> "TEXT"; "HOST:PORT" stays.
std::string value_name(const std::string& type_name) { return type_name.substr(0, type_name.find(":{")); }

void describe(const CLI::App& command, const std::string& path, std::vector<CommandSpec>& out) {
  CommandSpec spec;
  spec.path = path;
  spec.description = command.get_description();
  for (const CLI::Option* opt : command.get_options()) {
    if (opt->get_positional()) {
      spec.positional = value_name(opt->get_type_name());
      spec.positional_choices = choices_of(opt->get_type_name());
      continue;
    }
    FlagSpec flag;
    for (const std::string& s : opt->get_snames()) flag.names.push_back("-" + s);
    for (const std::string& l : opt->get_lnames()) flag.names.push_back("--" + l);
    if (opt->get_type_size() != 0 && opt->get_items_expected_max() > 0) {
      flag.value = value_name(opt->get_type_name());
      flag.choices = choices_of(opt->get_type_name());
    }
    flag.description = opt->get_description();
    spec.flags.push_back(std::move(flag));
  }
  const std::vector<const CLI::App*> subs = command.get_subcommands([](const CLI::App*) { return true; });
  for (const CLI::App* sub : subs) spec.subcommands.push_back(sub->get_name());
  // `help` takes command names: complete them as its choices.
  if (path == "help" && command.get_parent())
    for (const CLI::App* sub : command.get_parent()->get_subcommands([](const CLI::App*) { return true; }))
      spec.positional_choices.push_back(sub->get_name());
  out.push_back(std::move(spec));
  for (const CLI::App* sub : subs) describe(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
}

std::string joined(const std::vector<std::string>& words, const char* sep = " ") {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

// The flags that take a value, anywhere: a completion skips their values when it looks for the
// command words, and completes the value (choices or file names) right after them.
struct ValueFlags {
  std::vector<std::string> all;
  std::vector<std::pair<std::string, std::vector<std::string>>> with_choices;  // (names "a|b", choices)
  std::vector<std::string> files;                                              // a FILE or PATH: file names
  std::vector<std::string> other;  // a day, a duration, a name: nothing to offer
};

bool names_a_file(const FlagSpec& f) { return f.value == "FILE" || f.value == "PATH"; }

ValueFlags value_flags(const std::vector<CommandSpec>& commands) {
  ValueFlags v;
  std::set<std::string> seen;
  for (const CommandSpec& c : commands) {
    for (const FlagSpec& f : c.flags) {
      if (f.value.empty() || !seen.insert(joined(f.names)).second) continue;
      for (const std::string& n : f.names) v.all.push_back(n);
      if (!f.choices.empty())
        v.with_choices.emplace_back(joined(f.names, "|"), f.choices);
      else
        for (const std::string& n : f.names) (names_a_file(f) ? v.files : v.other).push_back(n);
    }
  }
  return v;
}

// What a command completes to: its flags and the root's (each command falls through to them).
std::vector<std::string> flag_words(const CommandSpec& command, const CommandSpec& root) {
  std::vector<std::string> words;
  for (const FlagSpec& f : command.flags) words.insert(words.end(), f.names.begin(), f.names.end());
  if (&command != &root)
    for (const FlagSpec& f : root.flags)
      if (f.names.back() != "--help") words.insert(words.end(), f.names.begin(), f.names.end());
  return words;
}

// Shared by bash and zsh: the loop that finds the command path in the words before the cursor.
void command_walk(std::ostream& out, const std::vector<CommandSpec>& commands, const ValueFlags& v) {
  out << "    case \"$w\" in\n      " << joined(v.all, "|") << ") ((i++)); continue ;;\n    esac\n";
  out << "    case \"$cmd:$w\" in\n";
  for (const CommandSpec& c : commands) {
    if (c.path.empty()) continue;
    const size_t space = c.path.rfind(' ');
    const std::string parent = space == std::string::npos ? "" : c.path.substr(0, space);
    const std::string name = space == std::string::npos ? c.path : c.path.substr(space + 1);
    out << "      \"" << parent << ":" << name << "\") cmd=\"" << c.path << "\" ;;\n";
  }
  out << "    esac\n";
}

std::string bash(const std::vector<CommandSpec>& commands) {
  const ValueFlags v = value_flags(commands);
  std::ostringstream out;
  out << "# bash completion for aesync: generated by `aesync completion bash` from its command line.\n"
         "_aesync() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" cmd=\"\" w i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    w=\"${COMP_WORDS[i]}\"\n";
  command_walk(out, commands, v);
  out << "  done\n  case \"$prev\" in\n";
  for (const auto& [names, choices] : v.with_choices)
    out << "    " << names << ") COMPREPLY=($(compgen -W \"" << joined(choices) << "\" -- \"$cur\")); return ;;\n";
  out << "    " << joined(v.files, "|") << ") compopt -o filenames; COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
  out << "    " << joined(v.other, "|") << ") return ;;\n";
  out << "  esac\n  case \"$cmd\" in\n";
  for (const CommandSpec& c : commands) {
    std::string words;
    if (!c.subcommands.empty()) words = joined(c.subcommands);
    if (!c.positional_choices.empty()) words = joined(c.positional_choices);
    out << "    \"" << c.path << "\")\n"
        << "      if [[ \"$cur\" == -* ]]; then COMPREPLY=($(compgen -W \"" << joined(flag_words(c, commands.front()))
        << "\" -- \"$cur\"))\n";
    if (!words.empty())
      out << "      else COMPREPLY=($(compgen -W \"" << words << "\" -- \"$cur\"))\n";
    else if (!c.positional.empty())
      out << "      else compopt -o filenames; COMPREPLY=($(compgen -f -- \"$cur\"))\n";
    out << "      fi ;;\n";
  }
  out << "  esac\n}\ncomplete -F _aesync aesync\n";
  return out.str();
}

std::string zsh(const std::vector<CommandSpec>& commands) {
  const ValueFlags v = value_flags(commands);
  std::ostringstream out;
  out << "#compdef aesync\n"
         "# zsh completion for aesync: generated by `aesync completion zsh` from its command line.\n"
         "_aesync() {\n"
         "  local cur=\"${words[CURRENT]}\" prev=\"${words[CURRENT-1]}\" cmd=\"\" w i\n"
         "  for ((i = 2; i < CURRENT; i++)); do\n"
         "    w=\"${words[i]}\"\n";
  command_walk(out, commands, v);
  out << "  done\n  case \"$prev\" in\n";
  for (const auto& [names, choices] : v.with_choices)
    out << "    " << names << ") compadd -- " << joined(choices) << "; return ;;\n";
  out << "    " << joined(v.files, "|") << ") _files; return ;;\n";
  out << "    " << joined(v.other, "|") << ") return ;;\n";
  out << "  esac\n  case \"$cmd\" in\n";
  for (const CommandSpec& c : commands) {
    std::string words;
    if (!c.subcommands.empty()) words = joined(c.subcommands);
    if (!c.positional_choices.empty()) words = joined(c.positional_choices);
    out << "    \"" << c.path << "\")\n"
        << "      if [[ \"$cur\" == -* ]]; then compadd -- " << joined(flag_words(c, commands.front())) << "\n";
    if (!words.empty())
      out << "      else compadd -- " << words << "\n";
    else if (!c.positional.empty())
      out << "      else _files\n";
    out << "      fi ;;\n";
  }
  out << "  esac\n}\n"
         "if [[ \"${funcstack[1]}\" == _aesync ]]; then _aesync \"$@\"; else compdef _aesync aesync; fi\n";
  return out.str();
}

std::string fish_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

void fish_flag(std::ostream& out, const FlagSpec& f, const std::string& condition) {
  out << "complete -c aesync";
  if (!condition.empty()) out << " -n " << fish_quoted(condition);
  for (const std::string& n : f.names) out << (n.rfind("--", 0) == 0 ? " -l " + n.substr(2) : " -s " + n.substr(1));
  if (!f.choices.empty())
    out << " -x -a " << fish_quoted(joined(f.choices));
  else if (names_a_file(f))
    out << " -r -F";
  else if (!f.value.empty())
    out << " -x";
  out << " -d " << fish_quoted(f.description) << "\n";
}

std::string fish(const std::vector<CommandSpec>& commands) {
  std::ostringstream out;
  out << "# fish completion for aesync: generated by `aesync completion fish` from its command line.\n"
         "complete -c aesync -f\n";
  for (const FlagSpec& f : commands.front().flags) fish_flag(out, f, "");
  for (const CommandSpec& c : commands) {
    if (c.path.empty()) continue;
    const size_t space = c.path.rfind(' ');
    const std::string name = space == std::string::npos ? c.path : c.path.substr(space + 1);
    std::string where = "__fish_use_subcommand";
    if (space != std::string::npos) {
      const std::string parent = c.path.substr(0, space);
      std::vector<std::string> siblings;
      for (const CommandSpec& p : commands)
        if (p.path == parent) siblings = p.subcommands;
      where = "__fish_seen_subcommand_from " + parent.substr(parent.rfind(' ') + 1) +
              "; and not __fish_seen_subcommand_from " + joined(siblings);
    }
    out << "complete -c aesync -n " << fish_quoted(where) << " -a " << name << " -d " << fish_quoted(c.description)
        << "\n";
    const std::string in_command = "__fish_seen_subcommand_from " + name;
    for (const FlagSpec& f : c.flags)
      if (f.names.back() != "--help") fish_flag(out, f, in_command);
    if (!c.positional_choices.empty())
      out << "complete -c aesync -n " << fish_quoted(in_command) << " -x -a "
          << fish_quoted(joined(c.positional_choices)) << "\n";
    else if (!c.positional.empty())
      out << "complete -c aesync -n " << fish_quoted(in_command) << " -F\n";
  }
  return out.str();
}

}  // namespace

std::vector<CommandSpec> describe_commands(const CLI::App& root) {
  std::vector<CommandSpec> out;
  describe(root, "", out);
  return out;
}

std::string completion_script(const CLI::App& root, std::string_view shell) {
  const std::vector<CommandSpec> commands = describe_commands(root);
  if (shell == "bash") return bash(commands);
  if (shell == "zsh") return zsh(commands);
  if (shell == "fish") return fish(commands);
  throw UsageError("completion: \"" + std::string(shell) + "\" is not a shell aesync completes (bash, zsh, fish)");
}

}  // namespace aesync::cli
