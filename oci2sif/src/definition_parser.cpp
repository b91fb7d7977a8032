// The definition-file parser: the header up to the first section, then the sections. Checks
// everything a build relies on here, so that a build fails before it reads a byte of the image.
#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "definition_lines.hpp"
#include "sifkit/oci2sif/definition.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

using detail::trim;

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

// Header keywords Apptainer knows (its bootstrap agents' options); sifkit reads three of them and
// refuses the rest with the bootstrap they belong to, rather than build something else.
bool is_known_header(std::string_view key) {
    constexpr std::string_view kKeys[] = {
        "bootstrap", "from",      "stage",     "fingerprints", "includecmd", "mirrorurl",
        "updateurl", "osversion", "include",   "library",      "registry",   "namespace",
        "confurl",   "setopt",    "product",   "user",         "regcode",    "productpgp",
        "otherurl0", "otherurl1", "otherurl2", "otherurl3",    "otherurl4",  "otherurl5",
        "otherurl6", "otherurl7", "otherurl8", "otherurl9"};
    for (const auto known : kKeys) {
        if (key == known) {
            return true;
        }
    }
    return false;
}

bool is_supported_bootstrap(std::string_view agent) {
    constexpr std::string_view kAgents[] = {"docker",         "oras",       "oci",    "oci-archive",
                                            "docker-archive", "localimage", "scratch"};
    for (const auto known : kAgents) {
        if (agent == known) {
            return true;
        }
    }
    return false;
}

// The commands these sections run need a root file system to run in; part B of issue 14.
bool needs_sandbox(std::string_view section) {
    return section == "post" || section == "setup" || section == "appinstall" || section == "pre";
}

// App names become paths (/scif/apps/NAME) and words in generated scripts: kept to characters
// that are safe in both.
bool is_app_name(std::string_view name) {
    if (name.empty() || name == "." || name == "..") {
        return false;
    }
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool has_commands(std::string_view body) {
    for (const auto& line : detail::split_lines(body)) {
        const std::string_view text = trim(line);
        if (!text.empty() && !text.starts_with('#')) {
            return true;
        }
    }
    return false;
}

// "from NAME" of a `%files from NAME` section line: NAME, else empty.
std::string stage_of(const DefinitionSection& section) {
    std::istringstream words(section.arguments.substr(0, section.arguments.find('#')));
    std::string from;
    std::string name;
    std::string extra;
    words >> from >> name >> extra;
    return (lower(from) == "from" && !name.empty() && extra.empty()) ? name : std::string();
}

class Parser {
  public:
    Parser(std::vector<std::string> lines, Definition& out) : lines_(std::move(lines)), def_(out) {}

    void run() {
        std::size_t i = 0;
        for (; i < lines_.size() && detail::section_name(lines_[i]).empty(); ++i) {
            header_line(i);
        }
        if (def_.bootstrap_line == 0) {
            throw Error(ErrorKind::invalid_input,
                        "no \"Bootstrap:\" header before the first section",
                        def_.where(i < lines_.size() ? i + 1 : 1));
        }
        if (def_.from.empty() && def_.bootstrap != "scratch") {
            throw Error(ErrorKind::invalid_input,
                        "\"Bootstrap: " + def_.bootstrap + "\" needs a \"From:\" header",
                        def_.where(def_.bootstrap_line));
        }
        // Checked after the whole header: the keyword may come before "Bootstrap:".
        if (def_.fingerprints_line != 0 && def_.bootstrap != "oras" &&
            def_.bootstrap != "localimage") {
            other_key_ = "fingerprints";
            other_key_line_ = def_.fingerprints_line;
        }
        if (other_key_line_ != 0) {
            throw Error(ErrorKind::unsupported,
                        "\"" + other_key_ + ":\" is not used by \"Bootstrap: " + def_.bootstrap +
                            "\" in sifkit",
                        def_.where(other_key_line_));
        }
        while (i < lines_.size()) {
            i = section(i);
        }
    }

  private:
    void header_line(std::size_t i) {
        std::string_view text = trim(lines_[i]);
        if (text.empty() || text.starts_with('#')) {
            return;
        }
        const auto colon = text.find(':');
        if (colon == std::string_view::npos) {
            throw Error(ErrorKind::invalid_input,
                        "header line is not \"Keyword: value\": " + std::string(text),
                        def_.where(i + 1));
        }
        const std::string key = lower(trim(text.substr(0, colon)));
        // A comment after the value, as Apptainer allows it ("From: alpine # base").
        std::string_view value = text.substr(colon + 1);
        value = trim(value.substr(0, value.find(" #")));
        if (!is_known_header(key)) {
            throw Error(ErrorKind::invalid_input, "unknown header keyword \"" + key + "\"",
                        def_.where(i + 1));
        }
        if (key == "stage") {
            def_.stage = std::string(value);
            def_.stage_line = i + 1;
            return;
        }
        if (key == "bootstrap") {
            def_.bootstrap = lower(value);
            def_.bootstrap_line = i + 1;
            if (!is_supported_bootstrap(def_.bootstrap)) {
                throw Error(ErrorKind::unsupported,
                            "\"Bootstrap: " + std::string(value) +
                                "\" is not supported (docker, oras, oci, oci-archive, "
                                "docker-archive, localimage, scratch are)",
                            def_.where(i + 1));
            }
        } else if (key == "from") {
            def_.from = std::string(value);
            def_.from_line = i + 1;
        } else if (key == "fingerprints") {
            fingerprints(value, i + 1);
        } else if (other_key_line_ == 0) {
            other_key_ = key;
            other_key_line_ = i + 1;
        }
    }

    // "Fingerprints: FP[, FP...]": OpenPGP fingerprints, 40 hex digits each (Apptainer's
    // checkSIFFingerprint compares whole fingerprints).
    void fingerprints(std::string_view value, std::size_t line) {
        def_.fingerprints_line = line;
        std::size_t start = 0;
        while (start <= value.size()) {
            const auto comma = value.find(',', start);
            const std::string_view item = trim(value.substr(start, comma - start));
            const bool hex =
                item.size() == 40 &&
                item.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
            if (!hex) {
                throw Error(ErrorKind::invalid_input,
                            "\"Fingerprints:\" takes OpenPGP fingerprints of 40 hex digits, "
                            "separated by commas: \"" +
                                std::string(item) + "\" is not one",
                            def_.where(line));
            }
            std::string upper(item);
            for (char& c : upper) {
                c = static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
            }
            def_.fingerprints.push_back(std::move(upper));
            if (comma == std::string_view::npos) {
                break;
            }
            start = comma + 1;
        }
    }

    // The section starting at line index `i`; returns the index of the next section line.
    std::size_t section(std::size_t i) {
        DefinitionSection s;
        s.name = detail::section_name(lines_[i]);
        s.line = i + 1;
        if (!detail::is_known_section(s.name)) {
            throw Error(ErrorKind::invalid_input, "unknown section %" + s.name, def_.where(i + 1));
        }
        s.arguments = std::string(trim(std::string_view(lines_[i]).substr(1 + s.name.size())));
        std::size_t end = i + 1;
        while (end < lines_.size() && detail::section_name(lines_[end]).empty()) {
            ++end;
        }
        // The body without blank lines before or after it (a script's indentation is kept).
        std::size_t first = i + 1;
        std::size_t last = end;
        while (first < last && trim(lines_[first]).empty()) {
            ++first;
        }
        while (last > first && trim(lines_[last - 1]).empty()) {
            --last;
        }
        for (std::size_t k = first; k < last; ++k) {
            s.body += lines_[k];
            s.body += k + 1 < last ? "\n" : "";
        }
        s.body_line = first + 1;
        check(s);
        def_.sections.push_back(std::move(s));
        return end;
    }

    void check(const DefinitionSection& s) const {
        const bool app = s.name.starts_with("app");
        if (app && !is_app_name(s.arguments)) {
            throw Error(ErrorKind::invalid_input,
                        "%" + s.name +
                            " needs one app name (letters, digits, '.', '-', '_'), not \"" +
                            s.arguments + "\"",
                        def_.where(s.line));
        }
        if (s.name == "files" && !s.arguments.empty() && stage_of(s).empty()) {
            throw Error(ErrorKind::invalid_input,
                        "%files takes no arguments but \"from STAGE\", not \"" + s.arguments + "\"",
                        def_.where(s.line));
        }
        const bool named = app || s.name == "files";
        for (const auto& other : def_.sections) {
            if (other.name == s.name && (!named || other.arguments == s.arguments)) {
                throw Error(ErrorKind::invalid_input,
                            "%" + s.name + (app ? " " + s.arguments : "") +
                                " appears twice (first at line " + std::to_string(other.line) + ")",
                            def_.where(s.line));
            }
        }
    }

    std::vector<std::string> lines_;
    Definition& def_;
    // The first header keyword of another bootstrap agent (Include:, MirrorURL:...).
    std::string other_key_;
    std::size_t other_key_line_ = 0;
};

}  // namespace

const DefinitionSection* Definition::first_command_section() const {
    for (const auto& s : sections) {
        if ((needs_sandbox(s.name) && has_commands(s.body)) ||
            (s.name == "files" && !s.arguments.empty() && has_commands(s.body))) {
            return &s;
        }
    }
    return nullptr;
}

Definition Definition::without_commands() const {
    Definition out = *this;
    std::erase_if(out.sections, [](const DefinitionSection& s) {
        return (needs_sandbox(s.name) && s.name != "appinstall") ||
               (s.name == "files" && !s.arguments.empty());  // from an earlier stage
    });
    out.earlier_stages.clear();
    // An app with only %appinstall still gets its /scif/apps tree, where the commands run.
    for (auto& s : out.sections) {
        if (s.name == "appinstall") {
            s.body.clear();
        }
    }
    return out;
}

const DefinitionSection* Definition::section(std::string_view name) const {
    for (const auto& s : sections) {
        if (s.name == name) {
            return &s;
        }
    }
    return nullptr;
}

Definition parse_definition(std::string_view text, const std::string& path,
                            const BuildArguments& arguments) {
    Definition def;
    def.path = path;
    if (text.find('\0') != std::string_view::npos) {
        throw Error(ErrorKind::invalid_input, "a definition file is text, this has a NUL byte",
                    path);
    }
    std::vector<std::string> lines = detail::split_lines(text);
    detail::substitute_arguments(lines, path, arguments, def.warnings);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        def.text += lines[i];
        if (i + 1 < lines.size() || text.ends_with('\n')) {
            def.text += '\n';
        }
    }
    // Apptainer splits the file at every "Bootstrap:" line: each part is a stage. Each is
    // parsed with the other parts' lines blanked, so that messages keep the file's numbers.
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view t = trim(lines[i]);
        const auto colon = t.find(':');
        if (colon != std::string_view::npos && lower(trim(t.substr(0, colon))) == "bootstrap" &&
            !t.starts_with('#')) {
            starts.push_back(i);
        }
    }
    if (starts.size() > 1) {
        starts.front() = 0;  // comments before the first stage belong to it
    } else {
        starts.assign(1, 0);
    }
    starts.push_back(lines.size());
    std::vector<std::string> earlier_names;
    for (std::size_t k = 0; k + 1 < starts.size(); ++k) {
        std::vector<std::string> part(lines.size());
        std::copy(lines.begin() + static_cast<long>(starts[k]),
                  lines.begin() + static_cast<long>(starts[k + 1]),
                  part.begin() + static_cast<long>(starts[k]));
        Definition stage;
        stage.path = def.path;
        stage.text = def.text;
        Parser(std::move(part), stage).run();
        for (const auto& section : stage.sections) {
            const std::string from = section.name == "files" ? stage_of(section) : "";
            if (!from.empty() && std::find(earlier_names.begin(), earlier_names.end(), from) ==
                                     earlier_names.end()) {
                throw Error(ErrorKind::invalid_input,
                            "%files from " + from + ": no earlier stage is called " + from +
                                " (\"Stage: " + from + "\" in its header)",
                            def.where(section.line));
            }
        }
        earlier_names.push_back(stage.stage);
        if (k + 2 < starts.size()) {
            def.earlier_stages.push_back(std::make_shared<const Definition>(std::move(stage)));
        } else {
            stage.earlier_stages = std::move(def.earlier_stages);
            stage.warnings = std::move(def.warnings);
            def = std::move(stage);
        }
    }
    return def;
}

Definition read_definition(const std::filesystem::path& file, const BuildArguments& arguments) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw_errno("cannot open the definition file", file.string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw_errno("cannot read the definition file", file.string());
    }
    return parse_definition(text.str(), file.string(), arguments);
}

bool looks_like_definition(std::string_view text) {
    for (const auto& line : detail::split_lines(text.substr(0, 64 * 1024))) {
        if (line.starts_with('%')) {
            return false;  // sections started without a header
        }
        const std::string_view t = trim(line);
        const auto colon = t.find(':');
        if (!t.starts_with('#') && colon != std::string_view::npos &&
            lower(trim(t.substr(0, colon))) == "bootstrap") {
            return true;
        }
    }
    return false;
}

}  // namespace sifkit::oci2sif
