// Build arguments: --build-arg NAME=VALUE, --build-arg-file FILE and the %arguments defaults,
// substituted for {{ NAME }} (spaces inside the braces allowed) as Apptainer does before it
// parses the rest of the file.
#include <fstream>
#include <set>

#include "definition_lines.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

bool is_name(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
        return false;
    }
    for (const char c : name) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

// "NAME=VALUE" into `name` and `value` (trimmed; one pair of matching quotes around the value
// removed); false when it is not an assignment.
bool split_assignment(std::string_view text, std::string& name, std::string& value) {
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) {
        return false;
    }
    name = std::string(detail::trim(text.substr(0, equals)));
    std::string_view v = detail::trim(text.substr(equals + 1));
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
        v = v.substr(1, v.size() - 2);
    }
    value = std::string(v);
    return is_name(name);
}

}  // namespace

void add_build_argument(BuildArguments& arguments, std::string_view assignment,
                        const std::string& origin) {
    std::string name;
    std::string value;
    if (!split_assignment(assignment, name, value)) {
        throw Error(ErrorKind::usage,
                    "build argument \"" + std::string(assignment) +
                        "\" is not NAME=VALUE (NAME: letters, digits, _)",
                    origin);
    }
    // A value is substituted into one line: a newline would shift every line number after it.
    if (value.find('\n') != std::string::npos) {
        throw Error(ErrorKind::usage, "build argument " + name + " has a newline in its value",
                    origin);
    }
    arguments[name] = value;
}

void read_build_argument_file(BuildArguments& arguments, const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw_errno("cannot open the build argument file", file.string());
    }
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        const std::string_view text = detail::trim(line);
        if (text.empty() || text.starts_with('#')) {
            continue;
        }
        add_build_argument(arguments, text, file.string() + ":" + std::to_string(number));
    }
    if (in.bad()) {
        throw_errno("cannot read the build argument file", file.string());
    }
}

namespace detail {
namespace {

// The %arguments section's NAME=VALUE lines; their line indexes are returned in `skip`, since
// the section itself is not substituted.
BuildArguments defaults_of(const std::vector<std::string>& lines, const std::string& path,
                           std::set<std::size_t>& skip) {
    BuildArguments defaults;
    bool inside = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string name = section_name(lines[i]);
        if (!name.empty()) {
            inside = name == "arguments";
            continue;
        }
        if (!inside) {
            continue;
        }
        skip.insert(i);
        const std::string_view text = trim(lines[i]);
        if (text.empty() || text.starts_with('#')) {
            continue;
        }
        std::string key;
        std::string value;
        if (!split_assignment(text, key, value)) {
            throw Error(ErrorKind::invalid_input,
                        "%arguments line is not NAME=VALUE: " + std::string(text),
                        path + ":" + std::to_string(i + 1));
        }
        defaults[key] = value;
    }
    return defaults;
}

}  // namespace

void substitute_arguments(std::vector<std::string>& lines, const std::string& path,
                          const BuildArguments& given, std::vector<std::string>& warnings) {
    std::set<std::size_t> skip;
    BuildArguments values = defaults_of(lines, path, skip);
    for (const auto& [name, value] : given) {
        values[name] = value;
    }
    std::set<std::string> used;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (skip.contains(i)) {
            continue;
        }
        std::string& line = lines[i];
        for (std::size_t at = line.find("{{"); at != std::string::npos; at = line.find("{{", at)) {
            const auto close = line.find("}}", at + 2);
            if (close == std::string::npos) {
                break;
            }
            const std::string name(trim(std::string_view(line).substr(at + 2, close - at - 2)));
            if (!is_name(name)) {
                at += 2;  // not an argument reference: left as written
                continue;
            }
            const auto value = values.find(name);
            if (value == values.end()) {
                throw Error(ErrorKind::usage,
                            "build argument " + name + " is not set (give --build-arg " + name +
                                "=VALUE, or a default in %arguments)",
                            path + ":" + std::to_string(i + 1));
            }
            used.insert(name);
            line.replace(at, close + 2 - at, value->second);
            at += value->second.size();
        }
    }
    for (const auto& [name, value] : given) {
        if (!used.contains(name)) {
            warnings.push_back("build argument " + name + " is not used by " + path);
        }
    }
}

}  // namespace detail
}  // namespace sifkit::oci2sif
