// The /.singularity.d tree and the other files Apptainer/SingularityCE add to the root file system
// of an image built from an OCI source, so that `apptainer run/exec/shell/inspect` behave on our
// images as on theirs. Pure function of the image config: no I/O. What each file is for, and where
// sifkit deliberately differs from Apptainer, is described in docs/singularity-metadata.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metadata_input.hpp"

namespace sifkit::oci2sif {

struct MetadataEntry {
    enum class Type { directory, file, symlink };
    std::string path;  // absolute path inside the image, e.g. "/.singularity.d/env/01-base.sh"
    Type type = Type::file;
    std::uint32_t mode = 0644;  // permission bits only (no file type bits)
    std::string data;           // file content, or symlink target
    // Mount points, empty /etc files and the / symlinks that must exist for the runtime, but where
    // an entry the image already has wins (its /etc stays its own). False: this entry replaces
    // the image's.
    bool only_if_missing = false;

    friend bool operator==(const MetadataEntry&, const MetadataEntry&) = default;
};

// The entries of the SCIF apps, and the text of 94-appsbase.sh (scif_apps.cpp).
std::vector<MetadataEntry> scif_app_entries(const std::vector<AppInput>& apps);
std::string scif_apps_env(const std::vector<AppInput>& apps);

// Every entry to add, parents before children, in a deterministic order (sorted by path). Owner
// is root:root; the caller sets the modification time. Throws sifkit::Error (invalid_input) when
// the input cannot be written as a shell script (a NUL byte in a command or Env value) or the
// definition file's header has a line that is not "key: value".
std::vector<MetadataEntry> singularity_metadata(const MetadataInput& input);

}  // namespace sifkit::oci2sif
