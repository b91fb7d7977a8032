// Verifying an image with the reference's semantics (format §9.5, DSSE §9.7, legacy §9.6):
// every non-signature object must be in a group; each task (a whole group, or one object of a
// group) needs signatures, and every signature linked to the task's group must verify with a
// trusted key; whole-group tasks need the signed objects to be exactly the group's objects,
// object tasks only that the object is among them; header, descriptor and object digests must
// match. Every finding is collected (the reference stops at the first failure).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <vector>

#include "sifkit/sif/image.hpp"
#include "sifkit/sign/keys.hpp"
#include "sifkit/sign/pgp.hpp"
#include "sifkit/sign/result.hpp"

namespace sifkit::sign {

// Which trusted keys must vouch for each task: any one of them (the reference's rule), or every
// one (a site that wants, say, both its build system and its security team to have signed).
enum class RequiredKeys { any, all };

struct Ecl;

struct VerifyOptions {
    std::vector<const PublicKey*> keys;           // trusted keys for DSSE envelopes
    std::vector<const PgpCertificate*> pgp_keys;  // trusted keys for OpenPGP signatures
    // Tasks. Without groups and objects: one task per group (the reference's default).
    std::vector<std::uint32_t> groups;
    std::vector<std::uint32_t> objects;
    // Verify legacy SIFHASH signatures instead of current ones (the reference's
    // OptVerifyLegacy). They protect object data only, never the header or descriptors.
    bool legacy = false;
    // With legacy: add an object task for every non-signature object in a group
    // (OptVerifyLegacyAll).
    bool legacy_all = false;
    // With RequiredKeys::all, a task whose signatures verify but lack one of the trusted keys
    // gets an extra untrusted finding naming the missing keys.
    RequiredKeys required_keys = RequiredKeys::any;
    // When OpenPGP keys and signatures must be valid (unix seconds): nullopt is the current
    // time, as in the reference; a revoked or expired key's signatures are invalid.
    std::optional<std::int64_t> pgp_time;
    // An execution control list to judge a verified image by (sifkit/sign/ecl.hpp), as an image
    // read from `ecl_directory` (resolved; for a staged image, where the source is). It adds a
    // finding of TaskKind::ecl; a refusal makes the report VerifyStatus::refused. Every group is
    // judged: groups and objects must be empty.
    const Ecl* ecl = nullptr;
    // DSSE key ID -> subject of the trusted X.509 certificate that vouched for the key: a
    // finding the key verifies lists the subject (SignatureFinding::subjects).
    std::map<std::string, std::string> certificate_subjects;
    std::filesystem::path ecl_directory;
};

// Throws a not_found Error for a requested group or object that does not exist, and sifkit
// Errors for unreadable images; everything about signatures is reported in the findings.
VerifyReport verify_image(const sif::Image& image, const VerifyOptions& options);

}  // namespace sifkit::sign
