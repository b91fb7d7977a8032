// Pieces of verification shared by verify_image() and stage_image(): one function per
// signature format, all reporting a SignatureFinding for one signature of one task.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "object_digests.hpp"
#include "select.hpp"
#include "sifkit/sign/metadata.hpp"
#include "sifkit/sign/verify.hpp"

namespace sifkit::sign::detail {

// What one verification reads over and over, indexed once: an image may hold 65536 objects, and
// per-object scans of the table would make verification quadratic.
class ImageIndex {
  public:
    explicit ImageIndex(const sif::Image& image);
    // Signature objects linked to the group or the object `link` names, in table order.
    const std::vector<sif::Descriptor>& signatures(sif::Link link) const;
    // The ID signatures record for a descriptor (Image::relative_id, without the scan).
    std::uint32_t relative_id(const sif::Descriptor& descriptor) const;

  private:
    std::map<std::pair<int, std::uint32_t>, std::vector<sif::Descriptor>> signatures_;
    std::map<std::uint32_t, std::uint32_t> minimum_;  // raw group value -> smallest ID
    std::vector<sif::Descriptor> none_;
};

struct VerifyContext {
    const sif::Image& image;
    const VerifyOptions& options;
    ObjectDigests& digests;
    const ImageIndex& index;
};

// A finding for `signature` in `task`, not yet verified, with the format filled in.
SignatureFinding start_finding(const Task& task, const sif::Descriptor& signature,
                               SignatureFormat format);

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
