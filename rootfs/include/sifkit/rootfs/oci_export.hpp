// A SIF image back to the OCI world: an OCI image layout directory, an oci-archive (the layout
// in a tar) or a docker-archive (`docker load` format), each holding one uncompressed tar layer
// with the root file system and an image config rebuilt from the image's oci-config.json (or,
// for images Apptainer built from a definition file, from their environment scripts, runscript
// and labels). The /.singularity.d runtime metadata is left out unless asked for. An OCI-SIF
// image exported as a layout or oci-archive gives back its own OCI image, blob for blob.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "sifkit/sif/image.hpp"

namespace sifkit::rootfs {

enum class OciFormat { layout, oci_archive, docker_archive };

struct OciExportOptions {
    OciFormat format = OciFormat::layout;
    bool keep_singularity_metadata = false;
    bool overwrite = false;
    // Layouts: the org.opencontainers.image.ref.name of the image; docker-archive: REPO:TAG.
    // Empty: "latest" / "localhost/NAME:latest" with NAME from the image's file name.
    std::string tag;
};

struct OciExportResult {
    std::string manifest_digest;
    std::string config_digest;
    std::uint64_t layers = 0;
    std::uint64_t bytes = 0;  // blob bytes written
    // `oci` with overwrite: what is left of the layout that was replaced, when it could not all
    // be removed (the new layout is in place all the same); empty otherwise.
    std::string replaced_tree_left;
};

OciExportResult export_oci(const sif::Image& image, const std::filesystem::path& destination,
                           const OciExportOptions& options);

// The "config" section for a native SIF without oci-config.json, rebuilt from the runtime files
// (exposed for tests): Env from `NAME=VALUE` / `export NAME=VALUE` lines of the environment
// scripts, Labels from labels.json, and the runscript as the entrypoint
// (["/bin/sh", "-c", SCRIPT, "runscript"], so that run arguments reach it as "$@").
std::string runtime_config_from_scripts(const std::string& env_scripts,
                                        const std::optional<std::string>& runscript,
                                        const std::string& labels_json);

}  // namespace sifkit::rootfs
