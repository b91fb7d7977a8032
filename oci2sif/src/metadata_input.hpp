// What the generated /.singularity.d files are made from (MetadataInput): the image config's
// runtime part, the definition file's sections and, on a SIF base, the base's own files. Filled
// by metadata_layers.cpp and definition_metadata.cpp, read by singularity_metadata.cpp and
// labels_json.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sifkit::oci2sif {

// A SCIF app of a definition file (%apprun NAME, %appenv NAME...): laid out under
// /scif/apps/NAME as Apptainer's build lays it out (internal/pkg/build/apps).
struct AppInput {
    std::string name;
    std::optional<std::string> run;                           // %apprun body
    std::optional<std::string> env;                           // %appenv body
    std::optional<std::string> test;                          // %apptest body
    std::optional<std::string> help;                          // %apphelp body
    std::vector<std::pair<std::string, std::string>> labels;  // %applabels, in file order
};

// What the generated files are made from: the (possibly edited) OCI image config's runtime part
// and the synthesized definition file.
struct MetadataInput {
    std::vector<std::string> env;         // "NAME=VALUE", in config order
    std::vector<std::string> entrypoint;  // empty: none
    std::vector<std::string> cmd;         // empty: none
    // Not used by the generated files: Apptainer's runscript does not change directory (the
    // runtime's --cwd/--pwd does). Kept so that the caller has the whole runtime config in one
    // place.
    std::string working_dir;  // empty: none
    std::string user;         // config User (informational: Apptainer runs as the calling user)
    // Image labels, sorted by key; labels.json also gets the ones Apptainer adds itself.
    std::vector<std::pair<std::string, std::string>> labels;
    std::string architecture;  // Go arch name, e.g. "amd64"; empty: no architecture labels
    std::string variant;       // OCI platform variant, e.g. "v7"; empty: none
    // The build time for the two date labels Apptainer records, in Unix seconds (shown in UTC).
    // nullopt: no date labels, so that the same input always gives the same bytes.
    std::optional<std::int64_t> build_time;
    // Content of /.singularity.d/Singularity. Its header ("bootstrap: docker", "from: ...") also
    // becomes the org.label-schema.usage.singularity.deffile.* labels, as in Apptainer.
    std::string deffile;

    // From a definition file (sifkit build, definition_metadata.cpp); unset: what the image
    // config gives. Whole files, as they are written.
    std::optional<std::string> runscript;
    std::optional<std::string> startscript;
    std::optional<std::string> test;  // /.singularity.d/test, only with %test
    std::optional<std::string> help;  // /.singularity.d/runscript.help, only with %help
    std::string environment;          // %environment, appended to 90-environment.sh
    // %labels, in file order: they replace image labels of the same name.
    std::vector<std::pair<std::string, std::string>> deffile_labels;
    // Definition-file builds also write /.singularity.d/env/94-appsbase.sh (empty without
    // apps), as Apptainer's build does.
    bool from_definition = false;
    std::vector<AppInput> apps;  // in the order they first appear in the file

    // The base image is a SIF whose /.singularity.d is kept (BaseImageMetadata in convert.hpp):
    // generated files the definition does not set fill gaps only, %environment is appended to
    // `base_environment` when the base has that file, and the base's definition file is kept
    // as /.singularity.d/bootstrap_history/Apptainer<history_entries>.
    bool keep_image_files = false;
    std::optional<std::string> base_environment;
    std::optional<std::string> base_deffile;
    std::size_t base_history_entries = 0;
};

}  // namespace sifkit::oci2sif
