// The command tree as `--help` shows it, read from the CLI11 definitions themselves: what the
// man pages and the shell completion scripts are generated from, so that they cannot drift
// from the help (cmd_generate_docs.cpp).
#pragma once

#include <string>
#include <vector>

#include "cli11.hpp"

namespace sifkit::cli {

struct OptionHelp {
    std::vector<std::string> names;  // "-f", "--force"; a positional's one name, "SOURCE"
    std::string value;               // what the help prints after the names: " TEXT REQUIRED"
    std::string description;
    bool takes_value = false;  // an option followed by a value (not a flag)
    bool repeatable = false;   // may be given more than once
};

struct OptionGroupHelp {
    std::string title;  // "Options", or the command's own group name
    std::vector<OptionHelp> options;
};

struct CommandHelp {
    std::string name;         // "generate"
    std::string path;         // "sifkit key generate"
    std::string description;  // the line under the help's title
    std::string usage;        // the usage line without "Usage: " and without the path
    std::vector<OptionHelp> positionals;
    std::vector<OptionGroupHelp> option_groups;
    std::string footer;
    std::vector<CommandHelp> subcommands;  // the ones the help lists (hidden ones left out)
};

// `command` and, recursively, every subcommand its help lists.
CommandHelp describe_command(const CLI::App& command);

}  // namespace sifkit::cli
