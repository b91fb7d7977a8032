// Usage errors as sifkit reports them: one line saying what is wrong (with a "did you mean"
// when a name is close to a real one), then the usage line of the command concerned and where
// its help is. Exit code 2 (kExitUsage).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cli11.hpp"

namespace sifkit::cli {

// The subcommand of `parent` named `name`; nullptr when there is none.
const CLI::App* find_command(const CLI::App& parent, std::string_view name);

// "sifkit", "sifkit key", ...: how the user calls `command`.
std::string command_path(const CLI::App& command);

// Checks, before CLI11 parses anything, the words that must name commands (`sifkit WORD`,
// `sifkit key WORD`, `sifkit help WORD...`): CLI11 would only say "A subcommand is required".
// Prints the error and returns kExitUsage for a word that names no command; nullopt otherwise.
std::optional<int> reject_unknown_command(const CLI::App& root, int argc, const char* const* argv);

// Prints a CLI11 parse error of the command line as a sifkit usage error; returns kExitUsage.
int report_usage_error(const CLI::App& root, const CLI::ParseError& error);

}  // namespace sifkit::cli
