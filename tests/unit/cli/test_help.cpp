// The command line's help, parse errors, "did you mean", the count validator, and the completions
// and man page generated from an app shaped like aesync's (a root with global flags, a command
// with flags and a positional, a command group with subcommands).
#include <gtest/gtest.h>

#include <sstream>

#include "cli/completion.h"
#include "cli/help.h"
#include "util/error.h"
#include "util/text.h"

namespace aesync::cli {
namespace {

struct TestApp {
  CLI::App app{"aesync: test app", "aesync"};
  std::string config, level = "info", format, path, table;
  size_t rows = 10;
  bool dry_run = false;
  CLI::App* convert = nullptr;
  CLI::App* inspect = nullptr;
  CLI::App* posthog = nullptr;

  TestApp() {
    app.formatter(std::make_shared<HelpFormatter>());
    app.require_subcommand(1);
    app.add_option("-c,--config", config, "config file")->type_name("FILE");
    app.add_option("--log-level", level, "level")->check(CLI::IsMember({"debug", "info"}));
    convert = app.add_subcommand("convert", "convert a dump");
    convert->add_option("--format", format, "parquet | csv")->check(CLI::IsMember({"parquet", "csv"}));
    inspect = app.add_subcommand("inspect", "show a file");
    inspect->add_option("path", path, "Parquet file")->required()->type_name("PATH");
    inspect->add_option("--rows", rows, "rows to show")->check(count_validator())->type_name("N");
    posthog = app.add_subcommand("posthog", "PostHog");
    posthog->require_subcommand(1);
    CLI::App* link = posthog->add_subcommand("link", "link the table");
    link->add_flag("--dry-run", dry_run, "send nothing");
    link->add_option("--table", table, "one table")->type_name("NAME");
    for (CLI::App* sub : {convert, inspect, posthog, link}) sub->fallthrough();
  }

  // The message handle_parse_error prints for `args`, and its exit code.
  std::pair<std::string, int> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "aesync");
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      const int code = handle_parse_error(app, e, out, err);
      return {out.str() + err.str(), code};
    }
    return {"", 0};
  }
};

TEST(EditDistanceTest, CountsEditsAndAdjacentTranspositions) {
  EXPECT_EQ(edit_distance("sync", "sync"), 0u);
  EXPECT_EQ(edit_distance("synk", "sync"), 1u);
  EXPECT_EQ(edit_distance("--form", "--format"), 2u);
  EXPECT_EQ(edit_distance("windwo", "window"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(EditDistanceTest, NearestSuggestsWithinTwoEditsOnly) {
  const std::vector<std::string> commands = {"sync", "status", "prune"};
  EXPECT_EQ(nearest("synk", commands), "sync");
  EXPECT_EQ(nearest("stauts", commands), "status");
  EXPECT_EQ(nearest("frobnicate", commands), "");
}

TEST(ParseErrorTest, UnknownCommandSuggestsTheNearest) {
  TestApp t;
  EXPECT_EQ(t.parse({"convrt"}), std::make_pair(std::string("aesync: error: unknown command \"convrt\" (did you mean "
                                                            "\"convert\"?)\n"),
                                                2));
}

TEST(ParseErrorTest, UnknownCommandWithoutANearOneListsThem) {
  TestApp t;
  EXPECT_EQ(t.parse({"frobnicate"}).first,
            "aesync: error: unknown command \"frobnicate\" (commands: convert, inspect, posthog)\n");
}

TEST(ParseErrorTest, UnknownSubcommandNamesItsGroup) {
  TestApp t;
  EXPECT_EQ(t.parse({"posthog", "lnk"}).first,
            "aesync: error: posthog: unknown command \"lnk\" (did you mean \"link\"?)\n");
}

TEST(ParseErrorTest, UnknownFlagSuggestsOneOfTheCommandOrAGlobalOne) {
  TestApp t;
  EXPECT_EQ(t.parse({"convert", "--form", "csv"}),
            std::make_pair(std::string("aesync: error: convert: unknown flag \"--form\" (did you mean \"--format\"?) "
                                       "(see aesync convert --help)\n"),
                           2));
  TestApp t2;
  EXPECT_EQ(t2.parse({"posthog", "link", "--confg=x.toml"}).first,
            "aesync: error: posthog link: unknown flag \"--confg\" (did you mean \"--config\"?) (see aesync posthog "
            "link --help)\n");
}

TEST(ParseErrorTest, MissingSubcommandAndMissingValueAreNamed) {
  TestApp t;
  EXPECT_EQ(t.parse({"posthog"}).first,
            "aesync: error: posthog: a command is required: link (see aesync posthog --help)\n");
  TestApp t2;
  EXPECT_EQ(t2.parse({"posthog", "link", "--table"}).first, "aesync: error: posthog link: --table needs a value\n");
  TestApp t3;
  EXPECT_EQ(t3.parse({"inspect", "a.parquet", "b.parquet"}).first,
            "aesync: error: inspect: unexpected argument \"b.parquet\"\n");
}

TEST(ParseErrorTest, CountRefusesNegativeAndNonNumbers) {
  for (const char* bad : {"-1", "abc", "1.5", "", "99999999999999999999"}) {
    TestApp t;
    EXPECT_EQ(t.parse({"inspect", "f.parquet", "--rows", bad}),
              std::make_pair("aesync: error: inspect: --rows: \"" + std::string(bad) +
                                 "\" is not a count (a whole number, 0 or more)\n",
                             2))
        << bad;
  }
  TestApp t;
  EXPECT_EQ(t.parse({"inspect", "f.parquet", "--rows", "0"}).second, 0);
  EXPECT_EQ(t.rows, 0u);
}

TEST(ParseErrorTest, AGlobalFlagsCheckIsNotPrefixedWithTheCommand) {
  TestApp t;
  EXPECT_EQ(t.parse({"--log-level", "loud", "convert"}).first,
            "aesync: error: --log-level: loud not in {debug,info}\n");
}

TEST(HelpTest, EachCommandsHelpListsTheGlobalFlags) {
  TestApp t;
  const std::string help = t.parse({"inspect", "--help"}).first;
  EXPECT_NE(help.find("Usage: aesync inspect [OPTIONS] path"), std::string::npos) << help;
  const size_t global = help.find("\nGlobal options:\n");
  ASSERT_NE(global, std::string::npos) << help;
  EXPECT_LT(help.find("--rows N"), global);
  EXPECT_NE(help.find("-c,--config FILE", global), std::string::npos) << help;
  EXPECT_EQ(help.find("-h,--help", global), std::string::npos) << help;  // its own --help, listed once
  // The root's help has no such group: its flags are the global ones.
  TestApp root;
  EXPECT_EQ(root.parse({"--help"}).first.find("Global options"), std::string::npos);
}

TEST(HelpTest, HelpCommandPrintsTheNamedCommandsHelp) {
  TestApp t;
  std::ostringstream out;
  EXPECT_EQ(run_help(t.app, {"posthog", "link"}, out), 0);
  EXPECT_EQ(out.str().rfind("link the table\nUsage: aesync posthog link [OPTIONS]\n", 0), 0u) << out.str();
  EXPECT_NE(out.str().find("--dry-run"), std::string::npos);
  try {
    run_help(t.app, {"posthog", "lnk"}, out);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "posthog: unknown command \"lnk\" (did you mean \"link\"?)");
  }
}

TEST(CompletionTest, DescribesEveryCommandFlagAndChoice) {
  TestApp t;
  const std::vector<CommandSpec> commands = describe_commands(t.app);
  ASSERT_EQ(commands.size(), 5u);
  EXPECT_EQ(commands[0].path, "");
  EXPECT_EQ(commands[0].subcommands, (std::vector<std::string>{"convert", "inspect", "posthog"}));
  EXPECT_EQ(commands[1].path, "convert");
  ASSERT_EQ(commands[1].flags.size(), 2u);  // --help, --format
  EXPECT_EQ(commands[1].flags[1].names, (std::vector<std::string>{"--format"}));
  EXPECT_EQ(commands[1].flags[1].choices, (std::vector<std::string>{"parquet", "csv"}));
  EXPECT_EQ(commands[2].positional, "PATH");
  EXPECT_EQ(commands[4].path, "posthog link");
  EXPECT_EQ(commands[4].flags[2].value, "NAME");
  EXPECT_EQ(commands[4].flags[1].value, "");
}

TEST(CompletionTest, ScriptsNameTheCommandsAndFlags) {
  TestApp t;
  const std::string bash = completion_script(t.app, "bash");
  EXPECT_NE(bash.find("\"posthog:link\") cmd=\"posthog link\" ;;"), std::string::npos) << bash;
  EXPECT_NE(bash.find("--format) COMPREPLY=($(compgen -W \"parquet csv\" -- \"$cur\")); return ;;"), std::string::npos);
  EXPECT_NE(bash.find("complete -F _aesync aesync\n"), std::string::npos);
  const std::string fish = completion_script(t.app, "fish");
  EXPECT_NE(fish.find("complete -c aesync -n '__fish_seen_subcommand_from posthog; and not "
                      "__fish_seen_subcommand_from link' -a link -d 'link the table'\n"),
            std::string::npos)
      << fish;
  EXPECT_EQ(completion_script(t.app, "zsh").rfind("#compdef aesync\n", 0), 0u);
  EXPECT_THROW(completion_script(t.app, "tcsh"), UsageError);
}

TEST(ManpageTest, IsTroffWithEveryLeafCommandAndEscapedHyphens) {
  TestApp t;
  const std::string page = manpage(t.app);
  EXPECT_EQ(page.find(".TH AESYNC 1 \""), page.find('\n') + 1) << page;
  EXPECT_NE(page.find(".SH NAME\naesync \\- test app\n"), std::string::npos) << page;
  EXPECT_NE(page.find(".SS \"aesync inspect [OPTIONS] PATH\"\n"), std::string::npos) << page;
  EXPECT_NE(page.find(".SS \"aesync posthog link [OPTIONS]\"\n"), std::string::npos) << page;
  EXPECT_NE(page.find(".TP\n\\fB\\-\\-format\\fR \\fIparquet|csv\\fR\n"), std::string::npos) << page;
  EXPECT_EQ(page.find(".SS \"aesync posthog\""), std::string::npos);  // a group: its subcommands carry the flags
}

}  // namespace
}  // namespace aesync::cli
