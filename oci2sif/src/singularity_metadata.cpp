// Assembles the entries Apptainer's build adds to the root file system of an image built from an
// OCI source (internal/pkg/build/sources/base_environment.go for the base tree,
// conveyorPacker_oci.go for the runscript and the Env script, internal/pkg/build/metadata.go for
// labels.json and the definition file).
#include "singularity_metadata.hpp"

#include <algorithm>

#include "labels_json.hpp"
#include "metadata_scripts.hpp"

namespace sifkit::oci2sif {
namespace {

using Type = MetadataEntry::Type;

constexpr std::uint32_t kDirectoryMode = 0755;
constexpr std::uint32_t kScriptMode = 0755;
constexpr std::uint32_t kDataMode = 0644;

const std::string kMetadataDir = "/.singularity.d";

MetadataEntry directory(std::string path, bool only_if_missing) {
    return {std::move(path), Type::directory, kDirectoryMode, {}, only_if_missing};
}

MetadataEntry script(std::string path, std::string text) {
    return {std::move(path), Type::file, kScriptMode, std::move(text), false};
}

MetadataEntry data_file(std::string path, std::string text) {
    return {std::move(path), Type::file, kDataMode, std::move(text), false};
}

void add_scripts(std::vector<MetadataEntry>& entries, const std::string& dir,
                 const std::vector<detail::ScriptFile>& scripts, bool only_if_missing) {
    for (const auto& file : scripts) {
        entries.push_back(script(dir + "/" + file.name, file.text));
        entries.back().only_if_missing = only_if_missing;
    }
}

// An entry the definition did not ask for: on a SIF base it only fills a gap, the base's own
// file stays.
MetadataEntry generated(MetadataEntry entry, const MetadataInput& input) {
    entry.only_if_missing = input.keep_image_files;
    return entry;
}

// 90-environment.sh: Apptainer appends %environment to the file it already has (the base
// image's, or the default one), after a blank line.
MetadataEntry environment_script(const MetadataInput& input, const std::string& default_text) {
    std::string text = input.base_environment.value_or(default_text);
    if (input.environment.empty()) {
        return generated(script(kMetadataDir + "/env/90-environment.sh", std::move(text)), input);
    }
    text += "\n" + input.environment + "\n";
    return script(kMetadataDir + "/env/90-environment.sh", std::move(text));
}

// /.singularity.d is sifkit's to write: its directories and files replace what the image has,
// as Apptainer overwrites them when it builds from an OCI source. On a SIF base only what the
// definition sets replaces the base's files (MetadataInput::keep_image_files).
void add_metadata_tree(std::vector<MetadataEntry>& entries, const MetadataInput& input) {
    const bool keep = input.keep_image_files;
    entries.push_back(directory(kMetadataDir, keep));
    entries.push_back(directory(kMetadataDir + "/actions", keep));
    add_scripts(entries, kMetadataDir + "/actions", detail::action_scripts(), keep);
    entries.push_back(directory(kMetadataDir + "/env", keep));
    std::vector<detail::ScriptFile> env_scripts;
    for (auto& file : detail::base_env_scripts()) {
        if (file.name == "90-environment.sh") {
            entries.push_back(environment_script(input, file.text));
        } else {
            env_scripts.push_back(std::move(file));
        }
    }
    add_scripts(entries, kMetadataDir + "/env", env_scripts, keep);
    if (input.from_definition) {
        entries.push_back(script(kMetadataDir + "/env/94-appsbase.sh", scif_apps_env(input.apps)));
    }
    entries.push_back(generated(script(kMetadataDir + "/env/10-docker2singularity.sh",
                                       detail::docker_env_script(input.env)),
                                input));
    // Where the runtime binds host libraries (GPU drivers); 99-base.sh puts it on the path.
    entries.push_back(directory(kMetadataDir + "/libs", keep));
    entries.push_back(data_file(kMetadataDir + "/Singularity", input.deffile));
    if (input.base_deffile) {
        // Apptainer's insertDefinition: the base's definition file is kept in the history.
        entries.push_back(directory(kMetadataDir + "/bootstrap_history", true));
        entries.push_back(data_file(kMetadataDir + "/bootstrap_history/Apptainer" +
                                        std::to_string(input.base_history_entries),
                                    *input.base_deffile));
    }
    entries.push_back(data_file(kMetadataDir + "/labels.json", detail::labels_json(input)));
    if (input.runscript) {
        entries.push_back(script(kMetadataDir + "/runscript", *input.runscript));
    } else {
        entries.push_back(generated(
            script(kMetadataDir + "/runscript", detail::oci_runscript(input.entrypoint, input.cmd)),
            input));
    }
    if (input.startscript) {
        entries.push_back(script(kMetadataDir + "/startscript", *input.startscript));
    } else {
        entries.push_back(
            generated(script(kMetadataDir + "/startscript", detail::default_startscript()), input));
    }
    if (input.test) {
        entries.push_back(script(kMetadataDir + "/test", *input.test));
    }
    if (input.help) {
        entries.push_back(data_file(kMetadataDir + "/runscript.help", *input.help));
    }
    for (auto& entry : scif_app_entries(input.apps)) {
        entries.push_back(std::move(entry));
    }
}

// The links at / that older runtimes and users call (/singularity runs the runscript, /.exec
// and friends the actions). Apptainer creates each only when nothing is at that path yet.
void add_root_links(std::vector<MetadataEntry>& entries) {
    const std::pair<const char*, const char*> links[] = {
        {"/singularity", ".singularity.d/runscript"},
        {"/.exec", ".singularity.d/actions/exec"},
        {"/.run", ".singularity.d/actions/run"},
        {"/.shell", ".singularity.d/actions/shell"},
        {"/.test", ".singularity.d/actions/test"},
        {"/environment", ".singularity.d/env/90-environment.sh"},
    };
    for (const auto& [path, target] : links) {
        entries.push_back({path, Type::symlink, 0777, target, true});
    }
}

// What the runtime mounts over or binds onto: it needs the mount points to exist, but the image's
// own directories and its /etc/hosts and /etc/resolv.conf stay as they are.
void add_mount_points(std::vector<MetadataEntry>& entries) {
    for (const char* path :
         {"/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/var", "/var/tmp"}) {
        entries.push_back(directory(path, true));
    }
    for (const char* path : {"/etc/hosts", "/etc/resolv.conf"}) {
        entries.push_back({path, Type::file, kDataMode, {}, true});
    }
}

}  // namespace

std::vector<MetadataEntry> singularity_metadata(const MetadataInput& input) {
    std::vector<MetadataEntry> entries;
    add_metadata_tree(entries, input);
    add_root_links(entries);
    add_mount_points(entries);
    // Sorting by path puts every parent before its children (a path sorts after its prefixes)
    // and makes the order independent of how the lists above are written.
    std::sort(entries.begin(), entries.end(),
              [](const MetadataEntry& a, const MetadataEntry& b) { return a.path < b.path; });
    return entries;
}

}  // namespace sifkit::oci2sif
