// What verification found: one finding per signature checked (or per task that has none), and
// the image's overall status, the worst of its findings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::sign {

// Outcomes, from best to worst.
enum class VerifyStatus {
    verified,    // every task carries valid signatures by trusted keys
    not_signed,  // a task has no signature, or objects sit outside every group
    untrusted,   // signatures are intact, but none is by a trusted key
    invalid,     // a signature does not match the image (tampered) or is malformed
    refused,     // verified, but the execution control list refuses it (sifkit/sign/ecl.hpp)
};

std::string_view name_of(VerifyStatus status) noexcept;

// What a finding is about; name_of gives the word reports print.
enum class TaskKind {
    group,   // a whole group
    object,  // one object of a group
    image,   // a check of the whole image, such as objects outside every group
    ecl,     // the execution control list's judgement (sifkit/sign/ecl.hpp)
};

std::string_view name_of(TaskKind kind) noexcept;

// How the signature of a finding is made; name_of gives the word reports print.
enum class SignatureFormat {
    none,     // the finding is not about one signature
    dsse,     // DSSE envelope
    pgp,      // OpenPGP clear-signed JSON metadata
    legacy,   // SIFHASH clear-signed with OpenPGP
    x509,     // an X.509 certificate given to trust a key
    unknown,  // a signature whose hash algorithm is not supported
};

std::string_view name_of(SignatureFormat format) noexcept;

struct SignatureFinding {
    std::uint32_t signature_id = 0;   // 0 when the finding is not about one signature
    std::uint32_t group = 0;          // the group of the task
    TaskKind task = TaskKind::group;  // the task the finding belongs to
    std::uint32_t task_id = 0;        // the group or object ID of the task
    // Objects the signature covers: verified ones, or, when it failed, those it claims.
    std::vector<std::uint32_t> objects;
    // Trusted keys that verified the signature: DSSE key IDs ("SHA256:...") or OpenPGP primary
    // key fingerprints (40 hex digits).
    std::vector<std::string> keyids;
    // Subjects of the X.509 certificates that verified the signature, for the ECL's certsubject
    // entries; empty while signatures are verified by keys alone.
    std::vector<std::string> subjects;
    SignatureFormat format = SignatureFormat::none;
    VerifyStatus status = VerifyStatus::verified;
    // Why it is not verified; empty when verified, except for the ECL's finding (TaskKind::ecl),
    // which always says which rule decided.
    std::string reason;
    // Legacy SIFHASH signatures cover object data only: header and descriptors are unprotected.
    bool insecure = false;
    // not-signed tasks: how many legacy signatures were skipped because legacy verification
    // was not requested.
    std::uint32_t legacy_signatures = 0;
};

struct VerifyReport {
    VerifyStatus status = VerifyStatus::verified;
    std::vector<SignatureFinding> findings;

    void add(SignatureFinding finding);
};

}  // namespace sifkit::sign
