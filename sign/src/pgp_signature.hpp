// OpenPGP v4 signature packets (RFC 4880 §5.2.3): parsing, the hash over data and trailer
// (§5.2.4), and the public-key operation. Shared by message signatures and subkey bindings.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sifkit/sign/digest.hpp"
#include "sifkit/sign/pgp.hpp"

namespace sifkit::sign::detail {

inline constexpr std::uint8_t kSigBinary = 0x00;
inline constexpr std::uint8_t kSigText = 0x01;
inline constexpr std::uint8_t kSigGenericCertification = 0x10;
inline constexpr std::uint8_t kSigPositiveCertification = 0x13;
inline constexpr std::uint8_t kSigSubkeyBinding = 0x18;
inline constexpr std::uint8_t kSigKeyRevocation = 0x20;
inline constexpr std::uint8_t kSigSubkeyRevocation = 0x28;
inline constexpr std::uint8_t kAlgorithmRsa = 1;
inline constexpr std::uint8_t kAlgorithmEddsa = 22;
inline constexpr std::uint8_t kKeyFlagSign = 0x02;

struct SignaturePacket {
    std::uint8_t type = 0;
    std::uint8_t public_key_algorithm = 0;
    std::uint8_t hash_algorithm = 0;
    std::vector<std::uint8_t> hashed_part;  // version ... end of the hashed subpackets
    std::optional<PgpFingerprint> issuer_fingerprint;
    std::optional<std::uint64_t> issuer_key_id;
    std::optional<std::uint8_t> key_flags;
    // Times from the hashed area (§5.2.3.4, .6, .10), in seconds; a lifetime of 0 means never.
    std::uint32_t created = 0;
    std::uint32_t lifetime = 0;      // the signature's own expiration time, after `created`
    std::uint32_t key_lifetime = 0;  // self-signatures: the key expires this long after creation
    bool primary_user_id = false;    // self-signatures: this user ID is the primary one
    std::uint8_t revocation_reason = 0;
    std::string revocation_text;
    std::uint16_t hash_prefix = 0;                // left 16 bits of the digest
    std::vector<std::vector<std::uint8_t>> mpis;  // RSA: m^d; EdDSA: r, s
    // A critical subpacket this reader does not know: the signature must be rejected (§5.2.3.1).
    std::optional<int> unknown_critical;

    // "fingerprint (40 hex)" or "key ID (16 hex)"; empty when the packet names no issuer.
    std::string issuer_text() const;
    // True when the issuer the packet names is this key.
    bool names(const PgpPublicKey& key) const noexcept;
    // When the signature itself stops being valid; nullopt: never.
    std::optional<std::int64_t> expires() const noexcept;
};

// Parses a signature packet body; throws an invalid_input Error. Versions other than 4 are
// refused with an unsupported Error.
SignaturePacket parse_signature_packet(std::span<const std::uint8_t> body);

// The accepted hash algorithms (SHA-224/256/384/512); nullopt for any other (MD5, SHA-1, ...).
std::optional<DigestAlgorithm> digest_algorithm_of(std::uint8_t pgp_hash) noexcept;

// Finishes `hasher` (already fed the signed data) with the signature trailer.
std::vector<std::uint8_t> finish_signature_hash(Hasher& hasher, const SignaturePacket& signature);

// The public-key check of `digest` against the signature's MPIs. False on any mismatch.
bool verify_digest(const PgpPublicKey& key, const SignaturePacket& signature,
                   const std::vector<std::uint8_t>& digest);

// Feeds a key packet the way signatures over keys hash it: 0x99 ‖ 2-byte length ‖ body.
void hash_key_packet(Hasher& hasher, const PgpPublicKey& key);

}  // namespace sifkit::sign::detail
