// Apptainer definition files (`sifkit build OUT.sif app.def`): the parsed form of the header
// ("Bootstrap:", "From:") and the %sections, after the {{ NAME }} build arguments are
// substituted. Parsing does no I/O besides reading the file; what the sections do to an image is
// convert()'s job (ConvertOptions::definition). docs/build.md lists what is supported.
//
// Every problem is a sifkit::Error whose file() is "FILE:LINE", so that the message reads
// "app.def:12: problem" (invalid_input for a malformed file, usage for a build argument that is
// not set, unsupported for what sifkit cannot build yet).
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::oci2sif {

struct DefinitionSection {
    std::string name;           // without '%', lower case: "runscript", "apprun", "files"...
    std::string arguments;      // the rest of the section line: an app name, "-s /bin/bash"...
    std::string body;           // the lines after it, up to the next section; no blank lines around
    std::size_t line = 0;       // line number of the %name line
    std::size_t body_line = 0;  // line number of the first line of `body`
};

struct Definition {
    std::string path;  // as given, for messages
    // The file with the build arguments substituted: what the image records (Def.FILE object
    // and /.singularity.d/Singularity), since it is what was built.
    std::string text;
    std::string bootstrap;  // lower case: "docker", "oci", "localimage", "scratch"...
    std::string from;       // empty for scratch
    std::size_t bootstrap_line = 0;
    std::size_t from_line = 0;
    // "Fingerprints:" (a SIF base only): the OpenPGP fingerprints, upper-case hex, that must all
    // have signed the base image (checked by sifkit build before it is used).
    std::vector<std::string> fingerprints;
    std::size_t fingerprints_line = 0;
    std::vector<DefinitionSection> sections;  // in file order
    // --build-arg values the file never uses (Apptainer warns about them too).
    std::vector<std::string> warnings;
    // Multi-stage builds: each "Bootstrap:" line starts a stage. This is the last one, which
    // makes the image; the ones before it, in file order, only feed `%files from STAGE`.
    std::string stage;  // its "Stage:" name, if any
    std::size_t stage_line = 0;
    std::vector<std::shared_ptr<const Definition>> earlier_stages;

    // The first section with commands to run during the build (%pre and %setup run on the host,
    // %post and %appinstall in the image), or null. Only `sifkit build` runs them (its sandbox,
    // docs/build.md); convert() refuses a definition that has one.
    const DefinitionSection* first_command_section() const;
    // The same definition without those sections, its text unchanged: what the streaming
    // conversion builds before the sandbox runs them.
    Definition without_commands() const;
    // The first section called `name` (without '%'), or null.
    const DefinitionSection* section(std::string_view name) const;
    // "app.def:12" for messages about line `line`.
    std::string where(std::size_t line) const { return path + ":" + std::to_string(line); }
};

// One line of a `%files from STAGE` section: SOURCE (a path or glob in that stage's tree) and
// DESTINATION (an image path, normalized; SOURCE's path when not given).
struct StageCopy {
    std::string stage;
    std::string source;
    std::string destination;
    bool into = false;   // DESTINATION ends in '/': copies go into it under their own names
    std::string origin;  // "app.def:12"
    std::size_t section_line = 0;  // the line of its %files section
};

// Every `%files from STAGE` line of `definition`, in file order. Errors name the line: a stage
// that is not an earlier one, a line with more than two words, a destination that climbs out.
std::vector<StageCopy> stage_copies(const Definition& definition);

// NAME=VALUE pairs from --build-arg and --build-arg-file; later ones replace earlier ones.
using BuildArguments = std::map<std::string, std::string>;

// "NAME=VALUE" (one --build-arg): usage Error naming `origin` when there is no '=' or no name.
void add_build_argument(BuildArguments& arguments, std::string_view assignment,
                        const std::string& origin);
// A --build-arg-file: one NAME=VALUE a line, blank lines and '#' comments skipped.
void read_build_argument_file(BuildArguments& arguments, const std::filesystem::path& file);

// Parses a definition file's text; `path` names it in messages.
Definition parse_definition(std::string_view text, const std::string& path,
                            const BuildArguments& arguments);
// Reads and parses a definition file (io Error when it cannot be read).
Definition read_definition(const std::filesystem::path& file, const BuildArguments& arguments);

// True when `text` starts like a definition file (its first meaningful line is a
// "Bootstrap:" header): how `sifkit build` tells a definition file from other files.
bool looks_like_definition(std::string_view text);

}  // namespace sifkit::oci2sif

namespace sifkit::oci2sif {

// Labels a build's %post wrote to $APPTAINER_LABELS ("KEY VALUE" lines, as in %labels), merged
// into the text of /.singularity.d/labels.json as Apptainer's build merges them: they replace
// the image's labels of the same name, but not the definition's %labels nor the build's own
// org.label-schema.* labels. Returns the new labels.json (invalid_input Error naming `file` when
// the current one is not a JSON object of strings).
std::string merge_build_labels(std::string_view labels_json, std::string_view lines,
                               const Definition& definition, const std::string& file);

}  // namespace sifkit::oci2sif
