// sifkit help [COMMAND...] / sifkit version: the forms siftool and Apptainer users type, printing
// exactly what `--help` and `--version` print.

#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "output.hpp"
#include "usage_errors.hpp"

namespace sifkit::cli {

std::string version_text() {
    return std::string("sifkit ") + SIFKIT_VERSION;
}

void register_help(CLI::App& app) {
    auto words = std::make_shared<std::vector<std::string>>();
    CLI::App* cmd = app.add_subcommand("help", "Show the help of sifkit or of a command");
    cmd->add_option("COMMAND", *words, "Command (and subcommand) to show the help of");
    cmd->footer("Examples:\n  sifkit help convert\n  sifkit help key generate");
    // main() has checked the words (reject_unknown_command), so each one names a command.
    cmd->callback([&app, words] {
        const CLI::App* command = &app;
        for (const std::string& word : *words) {
            if (const CLI::App* sub = find_command(*command, word)) {
                command = sub;
            }
        }
        write_stdout(command->get_formatter()->make_help(command, command_path(*command),
                                                         CLI::AppFormatMode::Normal));
    });
}

void register_version(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand("version", "Print the version (as --version)");
    cmd->callback([] { write_stdout(version_text() + "\n"); });
}

}  // namespace sifkit::cli
