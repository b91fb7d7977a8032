#include "exit_code_help.hpp"

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "cli11.hpp"

#include "exit_codes.hpp"

namespace sifkit::cli {
namespace {

struct CommandCodes {
    std::string_view command;  // the path below `sifkit`, as `sifkit help` takes it
    std::initializer_list<int> codes;
};

// What each command can return besides 0 (success), 1 (a bug) and 2 (usage), which all can;
// docs/cli.md says when, command by command. A command missing here shows the whole table.
const CommandCodes kCommandCodes[] = {
    {"new", {3}},
    {"add", {3, 4, 5, 6}},
    {"del", {3, 4, 5, 6}},
    {"setprim", {3, 4, 5, 6}},
    {"list", {3, 4}},
    {"info", {3, 4, 5}},
    {"header", {3, 4}},
    {"dump", {3, 4, 5, 6}},
    {"convert", {3, 4, 5, 6, 7, 8}},
    {"build", {3, 4, 5, 6, 7, 8, 10, 11, 12, 15}},
    {"inspect", {3, 4, 5, 6, 7, 8}},
    {"ls", {3, 4, 5, 7}},
    {"cat", {3, 4, 5, 7}},
    {"extract", {3, 4, 5, 6, 7}},
    {"export", {3, 4, 5, 6, 7}},
    {"bundle", {3, 4, 5, 6, 7}},
    {"pull", {3, 4, 5, 6, 7, 8, 10, 11, 12}},
    {"push", {3, 4, 5, 7, 8}},
    {"login", {3, 8}},
    {"logout", {3, 5}},
    {"cache", {3}},
    {"cache list", {3}},
    {"cache clean", {3}},
    {"key", {3, 4, 5, 6, 8}},
    {"key generate", {3, 6}},
    {"key fingerprint", {3, 4, 8}},
    {"key list", {3, 4}},
    {"key import", {3, 4}},
    {"key export", {3, 5, 6}},
    {"key remove", {3, 5}},
    {"sign", {3, 4, 5, 6, 7, 8}},
    {"verify", {3, 4, 5, 7, 10, 11, 12, 13, 14}},
    {"stage", {3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}},
    {"help", {}},
    {"version", {}},
};

std::string rows(const std::vector<int>& codes) {
    std::string text = "Exit codes:";
    for (const ExitCodeMeaning& row : exit_code_table()) {
        if (std::find(codes.begin(), codes.end(), row.code) != codes.end()) {
            text += "\n  " + std::string(row.code < 10 ? " " : "") + std::to_string(row.code) +
                    "  " + std::string(row.meaning);
        }
    }
    return text;
}

std::vector<int> codes_of(const std::string& command) {
    std::vector<int> codes;
    for (const ExitCodeMeaning& row : exit_code_table()) {
        codes.push_back(row.code);
    }
    for (const CommandCodes& entry : kCommandCodes) {
        if (entry.command == command) {
            codes = {kExitOk, kExitInternal, kExitUsage};
            codes.insert(codes.end(), entry.codes.begin(), entry.codes.end());
        }
    }
    return codes;
}

void add_footer(CLI::App& app, const std::string& path) {
    const std::string footer = app.get_footer();
    app.footer((footer.empty() ? "" : footer + "\n") + rows(codes_of(path)) +
               (path.empty() ? "\n(docs/cli.md says when each code is returned)" : ""));
    for (CLI::App* sub : app.get_subcommands({})) {
        add_footer(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name());
    }
}

}  // namespace

void add_exit_code_footers(CLI::App& root) {
    add_footer(root, "");
}

}  // namespace sifkit::cli
