// The /.singularity.d tree and the other files Apptainer/SingularityCE add to the root file system
// of an image built from an OCI source, so that `apptainer run/exec/shell/inspect` behave on our
// images as on theirs. Pure function of the image config: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sifkit::oci2sif {

// What the generated files are made from: the (possibly edited) OCI image config's runtime part
// and the synthesized definition file.
struct MetadataInput {
    std::vector<std::string> env;         // "NAME=VALUE", in config order
    std::vector<std::string> entrypoint;  // empty: none
    std::vector<std::string> cmd;         // empty: none
    std::string working_dir;              // empty: none
    std::string user;                     // config User (informational)
    // Image labels, sorted by key; labels.json also gets the ones Apptainer adds itself.
    std::vector<std::pair<std::string, std::string>> labels;
    std::string architecture;  // Go arch name, e.g. "amd64"
    std::string deffile;       // content of /.singularity.d/Singularity
};

struct MetadataEntry {
    enum class Type { directory, file, symlink };
    std::string path;  // absolute path inside the image, e.g. "/.singularity.d/env/01-base.sh"
    Type type = Type::file;
    std::uint32_t mode = 0644;  // permission bits only (no file type bits)
    std::string data;           // file content, or symlink target
    // Mount points and empty /etc files that must exist for the runtime, but where an entry the
    // image already has wins (its /etc stays its own). False: this entry replaces the image's.
    bool only_if_missing = false;
};

// Every entry to add, parents before children, in a deterministic order. Owner is root:root; the
// caller sets the modification time.
std::vector<MetadataEntry> singularity_metadata(const MetadataInput& input);

}  // namespace sifkit::oci2sif
