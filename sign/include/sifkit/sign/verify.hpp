// Verifying an image with the reference's semantics (format §9.5): every non-signature object
// must be in a group, each selected group needs a signature, every signature on a group must
// verify with a trusted key, the signed objects must be exactly the group's objects, and every
// digest must match.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sifkit/sif/image.hpp"
#include "sifkit/sign/keys.hpp"

namespace sifkit::sign {

// Outcomes, from best to worst; an image's overall status is its worst finding.
enum class VerifyStatus {
    verified,    // every selected group carries a valid signature by a trusted key
    not_signed,  // a selected group has no signature, or objects sit outside every group
    untrusted,   // signatures are intact, but none is by a trusted key
    invalid,     // a signature does not match the image (tampered) or is malformed
};

std::string_view name_of(VerifyStatus status) noexcept;

struct SignatureFinding {
    std::uint32_t signature_id = 0;  // 0 when the finding is not about one signature
    std::uint32_t group = 0;
    std::vector<std::uint32_t> objects;  // objects the signature covers (verified or claimed)
    std::vector<std::string> keyids;     // trusted keys that verified it
    std::string format;                  // "dsse", "pgp", "none"
    VerifyStatus status = VerifyStatus::verified;
    std::string reason;  // why it failed; empty when verified
};

struct VerifyReport {
    VerifyStatus status = VerifyStatus::verified;
    std::vector<SignatureFinding> findings;
};

struct VerifyOptions {
    std::vector<const PublicKey*> keys;
    std::vector<std::uint32_t> groups;  // empty = every group
};

VerifyReport verify_image(const sif::Image& image, const VerifyOptions& options);

}  // namespace sifkit::sign
