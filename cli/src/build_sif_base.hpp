// The base image of a definition file when it is a SIF ("Bootstrap: localimage" with a SIF file,
// "Bootstrap: oras"): SIF partitions are squashfs, which the streaming conversion does not read,
// so the base is unpacked into a work directory and converted from there as a dir: source, with
// its /.singularity.d kept (oci2sif::BaseImageMetadata). The work directory goes with the object.
//
// Rootless callers first enter a user namespace (build_user_namespace.hpp), so that the tree
// keeps the image's owners.
#pragma once

#include <string>

#include "registry_pull.hpp"
#include "sifkit/oci2sif/convert.hpp"
#include "sifkit/oci2sif/definition.hpp"
#include "sifkit/rootfs/sandbox.hpp"

namespace sifkit::cli {

// Whether the definition's base image is a SIF: "Bootstrap: oras", or "Bootstrap: localimage"
// whose From is not a directory (a sandbox directory is converted as dir: directly).
bool builds_on_sif(const oci2sif::Definition& definition);

class SifBase {
  public:
    // `pull` carries the registry options for oras:// (its reference and output are set
    // here); `tmpdir` as SandboxBuild's. Refuses (one line naming the file) what is not a SIF
    // with a squashfs primary partition, an OCI-SIF included.
    SifBase(const oci2sif::Definition& definition, const std::string& tmpdir,
            const PullRequest& pull);
    // Reports the disk the tree used (unless pull's options are quiet or JSON) and removes it.
    ~SifBase();
    SifBase(const SifBase&) = delete;
    SifBase& operator=(const SifBase&) = delete;

    // Sets what convert needs to build `definition` on this base: the dir: source, the base's
    // /.singularity.d files and its architecture (unless the caller chose one).
    void apply(oci2sif::ConvertOptions& options) const;

  private:
    rootfs::WorkDirectory work_;
    std::string image_;  // the SIF, for messages
    std::string architecture_;
    bool report_ = false;
    oci2sif::BaseImageMetadata metadata_;
};

}  // namespace sifkit::cli
