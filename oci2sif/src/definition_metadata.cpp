#include "definition_metadata.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "definition_lines.hpp"
#include "labels_json.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

// %runscript and %startscript: "#!/bin/sh" unless the section starts with its own "#!" line;
// the section line's arguments (up to a '#') go on that line, then a blank line and the text.
std::string shebang_script(const DefinitionSection& section) {
    std::string shebang = "#!/bin/sh";
    std::string body = section.body;
    if (detail::trim(body).starts_with("#!")) {
        const auto newline = body.find('\n');
        shebang = std::string(detail::trim(std::string_view(body).substr(0, newline)));
        body = newline == std::string::npos ? "" : body.substr(newline + 1);
    }
    if (!section.arguments.empty()) {
        shebang += " " + section.arguments.substr(0, section.arguments.find('#'));
    }
    return shebang + "\n\n" + body + "\n";
}

// "KEY VALUE" lines: the key up to the first blank, the value the rest, trimmed; blank lines
// and '#' comments skipped.
std::vector<std::pair<std::string, std::string>> labels_of(const std::string& body) {
    std::vector<std::pair<std::string, std::string>> labels;
    for (const auto& line : detail::split_lines(body)) {
        const std::string_view text = detail::trim(line);
        if (text.empty() || text.starts_with('#')) {
            continue;
        }
        const auto blank = text.find_first_of(" \t");
        labels.emplace_back(std::string(text.substr(0, blank)),
                            blank == std::string_view::npos
                                ? std::string()
                                : std::string(detail::trim(text.substr(blank))));
    }
    return labels;
}

AppInput& app_named(std::vector<AppInput>& apps, const std::string& name) {
    for (auto& app : apps) {
        if (app.name == name) {
            return app;
        }
    }
    apps.push_back(AppInput{name, {}, {}, {}, {}, {}});
    return apps.back();
}

void apply_app_section(std::vector<AppInput>& apps, const DefinitionSection& section) {
    AppInput& app = app_named(apps, section.arguments);
    if (section.name == "apprun") {
        app.run = section.body;
    } else if (section.name == "appenv") {
        app.env = section.body;
    } else if (section.name == "apptest") {
        app.test = section.body;
    } else if (section.name == "apphelp") {
        app.help = section.body;
    } else if (section.name == "applabels") {
        app.labels = labels_of(section.body);
    }
    // %appfiles are copied with %files (files_section.cpp); %appinstall runs in sifkit build's
    // sandbox (cli/src/build_sandbox.cpp).
}

}  // namespace

void apply_definition(MetadataInput& input, const Definition& definition) {
    input.from_definition = true;
    for (const DefinitionSection& section : definition.sections) {
        // Empty sections set nothing, as in Apptainer (an empty %runscript keeps the image's).
        if (section.name.starts_with("app")) {
            apply_app_section(input.apps, section);
        } else if (section.body.empty()) {
            continue;
        } else if (section.name == "runscript") {
            input.runscript = shebang_script(section);
        } else if (section.name == "startscript") {
            input.startscript = shebang_script(section);
        } else if (section.name == "test") {
            input.test = "#!/bin/sh\n\n" + section.body + "\n";
        } else if (section.name == "help") {
            input.help = section.body + "\n";
        } else if (section.name == "environment") {
            input.environment = section.body;
        } else if (section.name == "labels") {
            input.deffile_labels = labels_of(section.body);
        }
    }
}

std::string merge_build_labels(std::string_view labels_json, std::string_view lines,
                               const Definition& definition, const std::string& file) {
    std::map<std::string, std::string> labels = detail::parse_labels_json(labels_json, file);
    std::map<std::string, bool> kept;  // %labels keys: the definition's word wins
    if (const DefinitionSection* section = definition.section("labels")) {
        for (const auto& [key, value] : labels_of(section->body)) {
            kept[key] = true;
        }
    }
    for (const auto& [key, value] : labels_of(std::string(lines))) {
        if (!kept.contains(key) && !key.starts_with("org.label-schema.")) {
            labels[key] = value;
        }
    }
    return detail::go_json_object(labels);
}

}  // namespace sifkit::oci2sif
