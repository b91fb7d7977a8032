// Parsing %files/%appfiles lines and expanding their globs.
#include "files_section.hpp"

#include <sstream>

#include <glob.h>

#include "definition_lines.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

// glob(3)'s result, freed with its owner.
class GlobMatches {
  public:
    // Without GLOB_ERR: a directory that does not exist is no match (reported as such), not
    // a failure to expand.
    explicit GlobMatches(const std::string& pattern) {
        result_ = ::glob(pattern.c_str(), 0, nullptr, &matches_);
    }
    ~GlobMatches() { ::globfree(&matches_); }
    GlobMatches(const GlobMatches&) = delete;
    GlobMatches& operator=(const GlobMatches&) = delete;

    int result() const noexcept { return result_; }
    std::vector<std::string> paths() const {
        return {matches_.gl_pathv, matches_.gl_pathv + matches_.gl_pathc};
    }

  private:
    glob_t matches_{};
    int result_ = 0;
};

// The words of a line: separated by blanks, '"..."' or "'...'" keep blanks; '#' outside quotes
// starts a comment.
std::vector<std::string> words_of(std::string_view line, const std::string& where) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"' || c == '\'') {
            const auto close = line.find(c, i + 1);
            if (close == std::string_view::npos) {
                throw Error(ErrorKind::invalid_input, "unterminated quote", where);
            }
            word += line.substr(i + 1, close - i - 1);
            in_word = true;
            i = close;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            if (in_word) {
                words.push_back(std::exchange(word, {}));
                in_word = false;
            }
        } else if (c == '#' && !in_word) {
            break;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) {
        words.push_back(word);
    }
    return words;
}

std::string image_path(std::string_view raw, const std::string& where) {
    std::string out;
    const std::string problem = normalize_entry_path(raw, out);
    if (!problem.empty()) {
        throw Error(ErrorKind::invalid_input, "destination " + quoted_path(raw) + ": " + problem,
                    where);
    }
    return out;
}

void add_section(std::vector<FileCopy>& copies, const Definition& def,
                 const DefinitionSection& section, const std::string& base) {
    const auto lines = detail::split_lines(section.body);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string where = def.where(section.body_line + i);
        const auto words = words_of(lines[i], where);
        if (words.empty()) {
            continue;
        }
        if (words.size() > 2) {
            throw Error(ErrorKind::invalid_input,
                        "a %" + section.name + " line is SOURCE [DESTINATION], this has " +
                            std::to_string(words.size()) + " words",
                        where);
        }
        const GlobMatches glob(words[0]);
        if (glob.result() == GLOB_NOMATCH) {
            throw Error(ErrorKind::not_found, "no host file matches " + quoted_path(words[0]),
                        where);
        }
        if (glob.result() != 0) {
            throw Error(ErrorKind::io, "cannot expand " + quoted_path(words[0]), where);
        }
        const auto matches = glob.paths();
        // Several matches, or a destination ending in '/', go into the destination directory
        // under their own names; otherwise the destination is the copy's name.
        const bool into = words.size() == 2 && (matches.size() > 1 || words[1].ends_with('/'));
        for (const auto& match : matches) {
            std::string destination = words.size() == 2 ? words[1] : match;
            if (into) {
                destination += "/" + std::filesystem::path(match).filename().string();
            }
            copies.push_back({match, image_path(base + "/" + destination, where), where});
        }
    }
}

}  // namespace

std::vector<StageCopy> stage_copies(const Definition& definition) {
    std::vector<StageCopy> copies;
    for (const auto& section : definition.sections) {
        if (section.name != "files" || section.arguments.empty()) {
            continue;
        }
        std::istringstream header(section.arguments.substr(0, section.arguments.find('#')));
        std::string from;
        std::string stage;
        header >> from >> stage;
        const auto lines = detail::split_lines(section.body);
        for (std::size_t i = 0; i < lines.size(); ++i) {
            const std::string where = definition.where(section.body_line + i);
            const auto words = words_of(lines[i], where);
            if (words.empty()) {
                continue;
            }
            if (words.size() > 2) {
                throw Error(ErrorKind::invalid_input,
                            "a %files line is SOURCE [DESTINATION], this has " +
                                std::to_string(words.size()) + " words",
                            where);
            }
            StageCopy copy;
            copy.stage = stage;
            copy.source = words[0];
            const std::string destination = words.size() == 2 ? words[1] : words[0];
            copy.into = destination.ends_with('/');
            copy.destination = image_path(destination, where);
            copy.origin = where;
            copy.section_line = section.line;
            copies.push_back(std::move(copy));
        }
    }
    return copies;
}

std::vector<FileCopy> file_copies(const Definition& definition) {
    std::vector<FileCopy> copies;
    for (const auto& section : definition.sections) {
        if (section.name == "files" && section.arguments.empty()) {
            add_section(copies, definition, section, "");
        } else if (section.name == "appfiles") {
            add_section(copies, definition, section, "scif/apps/" + section.arguments);
        }
    }
    return copies;
}

}  // namespace sifkit::oci2sif
