// Lines and section lines of a definition file.
#include "definition_lines.hpp"

#include <array>

namespace sifkit::oci2sif::detail {

std::string_view trim(std::string_view text) {
    constexpr std::string_view kBlank = " \t\r\n\v\f";
    const auto begin = text.find_first_not_of(kBlank);
    if (begin == std::string_view::npos) {
        return {};
    }
    return text.substr(begin, text.find_last_not_of(kBlank) - begin + 1);
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        lines.emplace_back(text.substr(0, newline));
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    }
    return lines;
}

// Apptainer's section names (pkg/build/types/parser: validSections and the SCIF app sections).
bool is_known_section(std::string_view name) {
    static constexpr std::array<std::string_view, 18> kSections = {
        "arguments", "help",   "setup",     "files",   "labels",      "environment",
        "pre",       "post",   "runscript", "test",    "startscript", "appinstall",
        "appfiles",  "appenv", "apptest",   "apphelp", "apprun",      "applabels"};
    for (const auto known : kSections) {
        if (name == known) {
            return true;
        }
    }
    return false;
}

std::string section_name(std::string_view line) {
    // Only at the first column: an indented "%" belongs to a script (printf formats, awk).
    if (!line.starts_with('%')) {
        return {};
    }
    std::string name;
    for (const char c : line.substr(1)) {
        if (c == ' ' || c == '\t' || c == '\r') {
            break;
        }
        name += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return name;
}

}  // namespace sifkit::oci2sif::detail
