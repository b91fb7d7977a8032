// sifkit __generate-docs: writes the manual pages and the shell completion scripts from the
// command definitions themselves (the build runs it; cli/CMakeLists.txt), so that what is
// installed says what `--help` says. Hidden: it is for the build, not for users.

#include <ctime>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "commands.hpp"
#include "completion_scripts.hpp"
#include "help_model.hpp"
#include "man_pages.hpp"
#include "output.hpp"
#include "sifkit/sif/error.hpp"
#include "time_option.hpp"

namespace sifkit::cli {
namespace {

struct GenerateDocsOptions {
    std::string man_dir;
    std::string doc_dir;
    std::string bash_file;
    std::string zsh_file;
};

// The pages' date: SOURCE_DATE_EPOCH's day when it is set, none otherwise (reproducible either
// way; the version says which sifkit a page describes).
std::string page_date() {
    const auto epoch = source_date_epoch();
    if (!epoch) {
        return "";
    }
    const std::time_t seconds = static_cast<std::time_t>(*epoch);
    std::tm day{};
    char text[16] = {};
    if (gmtime_r(&seconds, &day) == nullptr ||
        std::strftime(text, sizeof text, "%Y-%m-%d", &day) == 0) {
        throw Error(ErrorKind::usage,
                    "SOURCE_DATE_EPOCH is out of range: " + std::to_string(*epoch));
    }
    return text;
}

void generate_docs(const CLI::App& root, const GenerateDocsOptions& o) {
    const CommandHelp tree = describe_command(root);
    if (!o.man_dir.empty()) {
        const ManPageSettings settings{version_text(), page_date(), o.doc_dir};
        for (const ManPage& page : man_pages(tree, settings)) {
            write_file_atomically(std::filesystem::path(o.man_dir) / page.file_name, page.text,
                                  0644, true);
        }
    }
    if (!o.bash_file.empty()) {
        write_file_atomically(o.bash_file, bash_completion(tree), 0644, true);
    }
    if (!o.zsh_file.empty()) {
        write_file_atomically(o.zsh_file, zsh_completion(tree), 0644, true);
    }
}

}  // namespace

void register_generate_docs(CLI::App& app) {
    auto o = std::make_shared<GenerateDocsOptions>();
    CLI::App* cmd = app.add_subcommand(
        "__generate-docs", "Write the manual pages and shell completion scripts (for the build)");
    cmd->group("");  // hidden from the help, and so from the pages and scripts it writes
    cmd->add_option("--man-dir", o->man_dir, "Directory to write sifkit.1, sifkit-COMMAND.1... to")
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--doc-dir", o->doc_dir,
                    "Where the documentation is installed (named in the pages)");
    cmd->add_option("--bash", o->bash_file, "File to write the bash completion script to");
    cmd->add_option("--zsh", o->zsh_file, "File to write the zsh completion function to");
    cmd->callback([&app, o] { generate_docs(app, *o); });
}

}  // namespace sifkit::cli
