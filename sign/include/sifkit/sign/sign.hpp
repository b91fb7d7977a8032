// Signing an image: one DSSE envelope per object group (or per group of the selected objects),
// appended as a Signature object linked to the group (format §9.1, §9.7), and/or one OpenPGP
// clear-signed metadata object per group and OpenPGP key (§9.3, §9.4). Existing signatures are
// never touched, so signing never invalidates earlier signatures.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sifkit/sif/image.hpp"
#include "sifkit/sign/keys.hpp"
#include "sifkit/sign/pgp_signer.hpp"

namespace sifkit::sign {

struct SignOptions {
    // Every key signs the same envelope (one envelope, several signatures).
    std::vector<const PrivateKey*> keys;
    // OpenPGP keys: each signs a Signature object of its own, as the reference's signer does.
    std::vector<const PgpSigner*> pgp_signers;
    // Groups to sign whole; with `objects` also empty: every group (the reference's default).
    std::vector<std::uint32_t> groups;
    // Objects to sign (the reference's OptSignObjects): split by group, one signature per
    // group covering only these objects. Each must exist and be in a group.
    std::vector<std::uint32_t> objects;
    // Time recorded on the signature objects; nullopt = now, kUnsetTime = deterministic.
    std::optional<std::int64_t> time;
};

// Appends the signatures; returns the IDs of the new signature objects.
std::vector<std::uint32_t> sign_image(sif::Image& image, const SignOptions& options);

}  // namespace sifkit::sign
