// Self-signatures: which ones verify, and what they say about a key's lifetime.
#include "pgp_self_signatures.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace sifkit::sign::detail {
namespace {

constexpr std::uint8_t kUserIdHashTag = 0xB4;

// A hasher already fed the primary key (every self-signature hashes it first), when `signature`
// can be a self-signature of `primary` at all: a supported key, an accepted hash, no unknown
// critical subpacket, and the primary as issuer if it names one. nullopt otherwise, before any
// hashing.
std::optional<Hasher> start_self_signature(const PgpPublicKey& primary,
                                           const SignaturePacket& signature) {
    const auto algorithm = digest_algorithm_of(signature.hash_algorithm);
    const bool names_issuer = signature.issuer_fingerprint || signature.issuer_key_id;
    if (!primary.supported() || signature.unknown_critical || !algorithm ||
        (names_issuer && !signature.names(primary))) {
        return std::nullopt;
    }
    std::optional<Hasher> hasher;
    hasher.emplace(*algorithm);
    hash_key_packet(*hasher, primary);
    return hasher;
}

bool verifies(const PgpPublicKey& primary, const SignaturePacket& signature, Hasher& hasher) {
    return verify_digest(primary, signature, finish_signature_hash(hasher, signature));
}

}  // namespace

bool verifies_certification(const PgpPublicKey& primary, std::span<const std::uint8_t> user_id,
                            const SignaturePacket& signature) {
    if (signature.type < kSigGenericCertification || signature.type > kSigPositiveCertification) {
        return false;
    }
    auto hasher = start_self_signature(primary, signature);
    if (!hasher) {
        return false;
    }
    const auto n = static_cast<std::uint32_t>(user_id.size());
    const std::array<std::uint8_t, 5> prefix{
        kUserIdHashTag, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
        static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    hasher->update(std::as_bytes(std::span(prefix)));
    hasher->update(std::as_bytes(user_id));
    return verifies(primary, signature, *hasher);
}

bool verifies_key_revocation(const PgpPublicKey& primary, const SignaturePacket& signature) {
    if (signature.type != kSigKeyRevocation) {
        return false;
    }
    auto hasher = start_self_signature(primary, signature);
    return hasher && verifies(primary, signature, *hasher);
}

bool verifies_subkey_signature(const PgpPublicKey& primary, const PgpPublicKey& subkey,
                               const SignaturePacket& signature) {
    if (signature.type != kSigSubkeyBinding && signature.type != kSigSubkeyRevocation) {
        return false;
    }
    auto hasher = start_self_signature(primary, signature);
    if (!hasher) {
        return false;
    }
    hash_key_packet(*hasher, subkey);
    return verifies(primary, signature, *hasher);
}

bool rules_over(const SignaturePacket& candidate, const SignaturePacket& current) noexcept {
    if (candidate.primary_user_id != current.primary_user_id) {
        return candidate.primary_user_id;
    }
    return candidate.created > current.created;
}

std::optional<std::int64_t> expiry_from(const PgpPublicKey& key,
                                        const SignaturePacket& self_signature) noexcept {
    std::optional<std::int64_t> expires = self_signature.expires();
    if (self_signature.key_lifetime != 0) {
        const std::int64_t key_end =
            static_cast<std::int64_t>(key.created) + self_signature.key_lifetime;
        expires = expires ? std::min(*expires, key_end) : key_end;
    }
    return expires;
}

PgpRevocation revocation_from(const SignaturePacket& signature) {
    return PgpRevocation{signature.created, signature.revocation_reason, signature.revocation_text};
}

}  // namespace sifkit::sign::detail
