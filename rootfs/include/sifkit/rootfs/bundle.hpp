// An OCI runtime bundle (runtime-spec bundle.md): DIR/rootfs, the image's root file system
// unpacked, and DIR/config.json whose process is what the image runs: the OCI config's
// Entrypoint + Cmd with its Env and WorkingDir, or for images without one Apptainer's run
// action (/.singularity.d/actions/run, which sources the environment scripts and runs the
// runscript). The config follows `runc spec --rootless`: a user namespace mapping root in the
// container to the caller when the caller is not root, no network namespace, a read-only root,
// no terminal.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::rootfs {

struct BundleProcess {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd = "/";
};

// The process of the image, with `extra_args` replacing Cmd (or passed to the runscript).
BundleProcess bundle_process(const sif::Image& image, const std::vector<std::string>& extra_args);

struct BundleOptions {
    std::vector<std::string> args;  // run arguments
    bool overwrite = false;
    bool writable = false;  // root.readonly false
    // What the root file system leaves out, as UnpackOptions.
    bool devices = true;
    bool setuid = true;
    bool xattrs = true;
};

// Writes the bundle; returns the unpack report (ownership the caller could not apply...).
UnpackReport make_bundle(const sif::Image& image, const std::filesystem::path& directory,
                         const BundleOptions& options);

}  // namespace sifkit::rootfs
