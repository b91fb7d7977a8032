// OpenPGP clear-signed signatures, current (JSON metadata, format §9.5) and legacy (SIFHASH,
// §9.6). Both check the signature over the cleartext against the trusted certificates and the
// descriptor's fingerprint against the signer's primary key.
#include <algorithm>

#include "sifkit/sif/error.hpp"
#include "sifkit/sign/clearsign.hpp"
#include "verify_internal.hpp"

namespace sifkit::sign::detail {
namespace {

constexpr std::string_view kLegacyPrefix = "SIFHASH:\n";

struct MessageCheck {
    ClearsignedMessage message;
    PgpSignatureCheck signature;
};

// Parses and checks the message; fills the finding and returns false when it cannot go on.
bool check_message(VerifyContext& context, const sif::Descriptor& descriptor,
                   const std::string& text, SignatureFinding& finding, MessageCheck& out) {
    try {
        out.message = ClearsignedMessage::parse(text);
        out.signature = check_pgp_signature(out.message.signature, out.message.signed_text,
                                            context.options.pgp_keys, context.options.pgp_time);
    } catch (const Error& e) {
        finding.status = VerifyStatus::invalid;
        finding.reason = e.detail();
        return false;
    }
    if (out.signature.outcome == PgpSignatureCheck::Outcome::invalid) {
        finding.status = VerifyStatus::invalid;
        finding.reason = out.signature.reason;
        return false;
    }
    if (out.signature.outcome == PgpSignatureCheck::Outcome::verified) {
        const auto entity = descriptor.signature().fingerprint;
        if (!std::equal(entity.begin(), entity.end(),
                        out.signature.signer->fingerprint().begin())) {
            finding.status = VerifyStatus::invalid;
            finding.reason = "fingerprint in descriptor does not correspond to signing entity";
            return false;
        }
        finding.keyids.push_back(out.signature.signer->fingerprint_hex());
    }
    return true;
}

std::optional<DigestAlgorithm> legacy_algorithm(sif::HashType type) {
    switch (type) {
        case sif::HashType::sha256:
            return DigestAlgorithm::sha256;
        case sif::HashType::sha384:
            return DigestAlgorithm::sha384;
        case sif::HashType::sha512:
            return DigestAlgorithm::sha512;
        default:
            return std::nullopt;  // BLAKE2: the reference has no digest for it either
    }
}

// The hex digest a SIFHASH plaintext carries; nullopt when malformed.
std::optional<Digest> legacy_digest(const std::string& plaintext, DigestAlgorithm algorithm) {
    std::string_view hex(plaintext);
    hex.remove_prefix(kLegacyPrefix.size());
    if (hex.ends_with('\n')) {
        hex.remove_suffix(1);
    }
    try {
        Digest digest = Digest::parse(std::string(name_of(algorithm)) + ":" + std::string(hex));
        return digest;
    } catch (const Error&) {
        return std::nullopt;
    }
}

Digest digest_of_objects(const sif::Image& image, const std::vector<sif::Descriptor>& objects,
                         DigestAlgorithm algorithm) {
    Hasher hasher(algorithm);
    std::vector<std::byte> buffer(1 << 20);
    for (const sif::Descriptor& d : objects) {
        sif::ObjectReader reader = image.reader(d);
        for (std::size_t n; (n = reader.read(buffer)) > 0;) {
            hasher.update(std::span<const std::byte>(buffer.data(), n));
        }
    }
    return hasher.finish();
}

}  // namespace

bool is_legacy_signature(const std::string& text) {
    if (!is_clearsigned(text)) {
        return false;
    }
    try {
        return ClearsignedMessage::parse(text).plaintext.starts_with(kLegacyPrefix);
    } catch (const Error&) {
        return false;
    }
}

SignatureFinding verify_pgp(VerifyContext& context, const Task& task,
                            const sif::Descriptor& signature, const std::string& text) {
    SignatureFinding finding = start_finding(task, signature, SignatureFormat::pgp);
    MessageCheck check;
    if (!check_message(context, signature, text, finding, check)) {
        return finding;
    }
    ImageMetadata metadata;
    try {
        metadata = ImageMetadata::parse(check.message.plaintext);
    } catch (const Error& e) {
        finding.status = VerifyStatus::invalid;
        finding.reason = e.detail();
        return finding;
    }
    const std::string mismatch = check_metadata(context, task, metadata, finding.objects);
    if (!mismatch.empty()) {
        finding.status = VerifyStatus::invalid;
        finding.reason = mismatch;
    } else if (check.signature.outcome == PgpSignatureCheck::Outcome::unknown_signer) {
        finding.status = VerifyStatus::untrusted;
        finding.reason = check.signature.reason;
    }
    return finding;
}

SignatureFinding verify_legacy(VerifyContext& context, const Task& task,
                               const sif::Descriptor& signature, const std::string& text) {
    SignatureFinding finding = start_finding(task, signature, SignatureFormat::legacy);
    finding.insecure = true;
    MessageCheck check;
    if (!check_message(context, signature, text, finding, check)) {
        return finding;
    }
    const auto algorithm = legacy_algorithm(signature.signature().hash_type);
    const auto expected =
        algorithm ? legacy_digest(check.message.plaintext, *algorithm) : std::nullopt;
    if (!expected) {
        finding.status = VerifyStatus::invalid;
        finding.reason = algorithm ? "malformed SIFHASH digest" : "hash algorithm unsupported";
        return finding;
    }
    // A group signature covers the group's objects concatenated in table order; an object
    // signature covers that object.
    Digest actual = task.kind == TaskKind::group
                        ? digest_of_objects(context.image, task.objects, *algorithm)
                        : context.digests.of(task.objects.front(), *algorithm);
    for (const sif::Descriptor& d : task.objects) {
        finding.objects.push_back(d.id);
    }
    if (actual != *expected) {
        finding.status = VerifyStatus::invalid;
        finding.reason = task.kind == TaskKind::group ? "data object integrity compromised"
                                                      : "data object integrity compromised: " +
                                                            std::to_string(task.objects.front().id);
    } else if (check.signature.outcome == PgpSignatureCheck::Outcome::unknown_signer) {
        finding.status = VerifyStatus::untrusted;
        finding.reason = check.signature.reason;
    }
    return finding;
}

}  // namespace sifkit::sign::detail
