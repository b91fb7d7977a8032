// Pieces of verification shared by verify_image() and stage_image(): one function per
// signature format, all reporting a SignatureFinding for one signature of one task.
#pragma once

#include <string>
#include <vector>

#include "object_digests.hpp"
#include "select.hpp"
#include "sifkit/sign/metadata.hpp"
#include "sifkit/sign/verify.hpp"

namespace sifkit::sign::detail {

struct VerifyContext {
    const sif::Image& image;
    const VerifyOptions& options;
    ObjectDigests& digests;
};

// A finding for `signature` in `task`, not yet verified, with the format filled in.
SignatureFinding start_finding(const Task& task, const sif::Descriptor& signature,
                               std::string format);

// Checks signed metadata against the image as it is now, for the task (§9.5 e-f). Returns an
// empty string when it matches, else the reason; `covered` gets the signed object IDs.
std::string check_metadata(VerifyContext& context, const Task& task, const ImageMetadata& metadata,
                           std::vector<std::uint32_t>& covered);

// The signature object's bytes (refused above 16 MiB: signatures are small).
std::string read_signature(const sif::Image& image, const sif::Descriptor& signature);

// The plaintext of a clear-signed legacy signature ("SIFHASH:\n..."); false for anything else.
bool is_legacy_signature(const std::string& text);

SignatureFinding verify_dsse(VerifyContext& context, const Task& task,
                             const sif::Descriptor& signature, const std::string& text);
SignatureFinding verify_pgp(VerifyContext& context, const Task& task,
                            const sif::Descriptor& signature, const std::string& text);
SignatureFinding verify_legacy(VerifyContext& context, const Task& task,
                               const sif::Descriptor& signature, const std::string& text);

VerifyReport verify_with(const sif::Image& image, const VerifyOptions& options,
                         ObjectDigests& digests);

}  // namespace sifkit::sign::detail
