// Manual pages (roff, section 1) of sifkit and of every command, written from the same command
// tree as `--help` (help_model.hpp): sifkit.1, sifkit-convert.1, sifkit-key-generate.1, ...
#pragma once

#include <string>
#include <vector>

#include "help_model.hpp"

namespace sifkit::cli {

struct ManPage {
    std::string file_name;  // "sifkit-key-generate.1"
    std::string text;
};

struct ManPageSettings {
    std::string version;  // the pages' footer: "sifkit 0.1.0"
    std::string date;     // the pages' header: YYYY-MM-DD, or empty for none
    std::string doc_dir;  // where the installed documentation is, for SEE ALSO; may be empty
};

// One page for `root` and one for each command below it.
std::vector<ManPage> man_pages(const CommandHelp& root, const ManPageSettings& settings);

}  // namespace sifkit::cli
