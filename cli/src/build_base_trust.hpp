// Whether a build may use its SIF base image, as Apptainer's local packer decides it
// (conveyorPacker_local.go): with a "Fingerprints:" header, the image must carry valid
// signatures by every key it lists (the keys come from the OpenPGP keyring of `sifkit key`);
// without one, signatures that do not verify only warn, and an unsigned image is used silently.
#pragma once

#include <string>

#include "sifkit/oci2sif/definition.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::cli {

// Prints a warning, or one line and throws ReportedFailure with verify's exit code (11 invalid,
// 12 not signed by a listed key, 10 not signed at all) when "Fingerprints:" is not met. `name`
// names the image in messages.
void check_base_signatures(const sif::Image& image, const std::string& name,
                           const oci2sif::Definition& definition);

}  // namespace sifkit::cli
