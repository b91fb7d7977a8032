// OpenPGP public keys and signature checks, read-only (RFC 4880): enough to verify the
// clear-signed metadata the reference signer writes (format §9.3) with keys exported by
// `gpg --export --armor`. Supported: v4 keys and signatures, RSA (algorithm 1, PKCS#1 v1.5) and
// EdDSA over Ed25519 (algorithm 22), hashes SHA-224/256/384/512. Subkeys sign only when the
// primary key bound them with the signing flag. A key that is revoked or expired at the time of
// the check cannot verify, as in the reference (ProtonMail go-crypto): see PgpPublicKey.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::sign {

inline constexpr std::size_t kPgpFingerprintSize = 20;
using PgpFingerprint = std::array<std::uint8_t, kPgpFingerprintSize>;

// Upper-case hex, as gpg prints fingerprints.
std::string to_hex(const PgpFingerprint& fingerprint);

// A verified revocation of a key by its primary key (signature type 0x20 or 0x28, §5.2.1).
struct PgpRevocation {
    std::uint32_t created = 0;  // when the revocation was made (unix seconds)
    std::uint8_t reason = 0;    // §5.2.3.23 code: 0 none, 1 superseded, 2 compromised, 3 retired
    std::string text;           // the reason's human-readable text, if any
};

// One v4 public key (primary key or subkey) and its key material.
struct PgpPublicKey {
    std::uint8_t algorithm = 0;              // RFC 4880 §9.1 public-key algorithm ID
    PgpFingerprint fingerprint{};            // SHA-1 over 0x99 ‖ length ‖ packet body (§12.2)
    std::vector<std::uint8_t> body;          // the public-key packet body
    std::vector<std::uint8_t> rsa_n, rsa_e;  // algorithm 1
    std::array<std::uint8_t, 32> ed25519{};  // algorithm 22 with the Ed25519 curve
    std::uint32_t created = 0;               // the key's creation time (unix seconds)
    // When the key stops being valid: its creation time plus the key lifetime of its newest
    // valid self-signature (the primary's user ID certification, a subkey's binding), or that
    // self-signature's own expiry if sooner. nullopt: never (also when no self-signature
    // verifies, so such keys are judged by their key material alone).
    std::optional<std::int64_t> expires;
    std::optional<PgpRevocation> revocation;  // the first valid revocation, if any

    bool supported() const noexcept;
    // The size of the key in bits (RSA: the modulus; Ed25519: 256), as `key list` shows it.
    unsigned bit_length() const noexcept;
    // The low 64 bits of the fingerprint (§12.2).
    std::uint64_t key_id() const noexcept;
    // Why the key cannot verify a signature at `now` (unix seconds): created later, expired, or
    // revoked (a compromised key at any time, otherwise once the revocation is made, as the
    // reference decides); empty when it can.
    std::string unusable_at(std::int64_t now) const;
};

// A transferable public key: a primary key, its user IDs and the subkeys it bound for signing.
class PgpCertificate {
  public:
    // Parses every certificate of an ASCII-armored "PGP PUBLIC KEY BLOCK" (several blocks, or
    // several certificates in one block, are allowed). Throws an invalid_input Error naming
    // `origin` when there is none or one is malformed.
    static std::vector<PgpCertificate> parse(std::string_view armored, const std::string& origin);
    // The same for binary packets: a keyring (Apptainer's pgp-public, `gpg --export`, gpg's
    // pubring.gpg), certificates back to back; trust packets are skipped.
    static std::vector<PgpCertificate> parse_binary(std::span<const std::uint8_t> packets,
                                                    const std::string& origin);
    // Either form, told apart by the content; a private key or secret keyring is refused with
    // an Error that says so.
    static std::vector<PgpCertificate> load(const std::filesystem::path& path);
    // True when the text holds an armored OpenPGP public key block (used to tell PGP key files
    // from PEM ones).
    static bool is_armored_public_key(std::string_view text) noexcept;
    // True when the bytes start with an OpenPGP public-key packet (a binary keyring).
    static bool is_binary_public_key(std::span<const std::uint8_t> bytes) noexcept;
    // The first packet's tag when the bytes start with an OpenPGP packet header, else -1.
    static int first_packet_tag(std::span<const std::uint8_t> bytes) noexcept;

    const PgpPublicKey& primary() const noexcept { return primary_; }
    const PgpFingerprint& fingerprint() const noexcept { return primary_.fingerprint; }
    std::string fingerprint_hex() const { return to_hex(primary_.fingerprint); }
    const std::string& user_id() const noexcept { return user_id_; }  // first user ID
    const std::string& origin() const noexcept { return origin_; }
    // The primary key, then every subkey bound with the "sign data" flag by a valid binding
    // signature.
    const std::vector<PgpPublicKey>& signing_keys() const noexcept { return signing_keys_; }
    // The certificate's packets as they were read (trust packets left out): what `key export`
    // writes and `key import` stores.
    const std::vector<std::uint8_t>& packets() const noexcept { return packets_; }

  private:
    PgpPublicKey primary_;
    std::vector<std::uint8_t> packets_;
    std::string user_id_;
    std::string origin_;
    std::vector<PgpPublicKey> signing_keys_;
    friend struct PgpCertificateBuilder;
};

// The outcome of checking the OpenPGP signature packet(s) of a message.
struct PgpSignatureCheck {
    enum class Outcome {
        verified,        // a signature by a trusted key is valid
        unknown_signer,  // no signature names a trusted key
        invalid,         // a trusted key's signature does not verify, or it is unacceptable
    };
    Outcome outcome = Outcome::unknown_signer;
    const PgpCertificate* signer = nullptr;  // the trusted certificate (verified or invalid)
    std::string issuer;  // the issuer the packet names: 40 hex fingerprint or 16 hex key ID
    std::string reason;  // why it is invalid or unknown
};

// Checks detached signature packets (the decoded body of a "PGP SIGNATURE" armor block) over
// `data`: binary signatures (type 0x00) hash it as is, canonical-text ones (0x01) with CRLF line
// ends. The check is made at `now` (unix seconds; default: the current time): a signature made
// later or expired by then, or by a key (or its primary key) revoked or expired by then, is
// invalid. Throws an invalid_input Error when the packets are malformed.
PgpSignatureCheck check_pgp_signature(std::span<const std::uint8_t> packets, std::string_view data,
                                      const std::vector<const PgpCertificate*>& trusted,
                                      std::optional<std::int64_t> now = std::nullopt);

}  // namespace sifkit::sign
