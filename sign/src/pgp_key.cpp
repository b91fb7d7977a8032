// OpenPGP certificates from armored exports, and message signature checks against them.
#include <openssl/evp.h>

#include <optional>

#include "armor.hpp"
#include "key_file.hpp"
#include "openssl_handles.hpp"
#include "pgp_packets.hpp"
#include "pgp_self_signatures.hpp"
#include "pgp_signature.hpp"
#include "sifkit/sif/clock.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/time_text.hpp"
#include "sifkit/sign/pgp.hpp"

namespace sifkit::sign {
namespace {

constexpr std::string_view kPublicKeyBlock = "PGP PUBLIC KEY BLOCK";
// 1.3.6.1.4.1.11591.15.1, the curve OID of Ed25519 in OpenPGP (draft-koch-eddsa-for-openpgp).
constexpr std::array<std::uint8_t, 9> kEd25519Oid{0x2B, 0x06, 0x01, 0x04, 0x01,
                                                  0xDA, 0x47, 0x0F, 0x01};

PgpFingerprint sha1_fingerprint(std::span<const std::uint8_t> body) {
    const auto n = static_cast<std::uint16_t>(body.size());
    const std::array<std::uint8_t, 3> prefix{0x99, static_cast<std::uint8_t>(n >> 8),
                                             static_cast<std::uint8_t>(n)};
    PgpFingerprint fpr{};
    const detail::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    unsigned int length = 0;
    const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) == 1 &&
                    EVP_DigestUpdate(ctx.get(), prefix.data(), prefix.size()) == 1 &&
                    EVP_DigestUpdate(ctx.get(), body.data(), body.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx.get(), fpr.data(), &length) == 1;
    if (!ok || length != fpr.size()) {
        throw Error(ErrorKind::internal, "SHA-1 failed");
    }
    return fpr;
}

PgpPublicKey parse_key_packet(std::span<const std::uint8_t> body) {
    detail::ByteCursor in(body, "OpenPGP public key packet");
    if (body.size() > 0xFFFF) {
        in.fail("larger than a v4 key packet can be");
    }
    const std::uint8_t version = in.u8();
    if (version != 4) {
        throw Error(ErrorKind::unsupported,
                    "OpenPGP key version " + std::to_string(version) + " (4 is supported)");
    }
    PgpPublicKey key;
    key.created = in.u32();
    key.algorithm = in.u8();
    key.body.assign(body.begin(), body.end());
    key.fingerprint = sha1_fingerprint(body);
    if (key.algorithm == detail::kAlgorithmRsa) {
        const auto n = in.mpi();
        const auto e = in.mpi();
        key.rsa_n.assign(n.begin(), n.end());
        key.rsa_e.assign(e.begin(), e.end());
    } else if (key.algorithm == detail::kAlgorithmEddsa) {
        const std::size_t oid_length = in.u8();
        const auto oid = in.take(oid_length);
        const auto point = in.mpi();
        // Only Ed25519, whose point is 0x40 followed by the 32-byte key (native encoding).
        if (std::equal(oid.begin(), oid.end(), kEd25519Oid.begin(), kEd25519Oid.end()) &&
            point.size() == 33 && point[0] == 0x40) {
            std::copy(point.begin() + 1, point.end(), key.ed25519.begin());
        } else {
            key.algorithm = 0;  // another curve: kept for its fingerprint, never verifies
        }
    }
    return key;
}

// Converts lone LF line ends to CRLF (the canonical text of §5.2.1, signature type 0x01).
std::string canonical_text(std::string_view data) {
    std::string out;
    out.reserve(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) {
            out += '\r';
        }
        out += data[i];
    }
    return out;
}

// Why a document signature cannot count at `now`: made later, or expired by then.
std::string signature_unusable_at(const detail::SignaturePacket& signature, std::int64_t now) {
    if (signature.created > now) {
        return "the OpenPGP signature is dated later (" + sif::utc_rfc3339(signature.created) + ")";
    }
    const auto expires = signature.expires();
    if (expires && now > *expires) {
        return "the OpenPGP signature expired on " + sif::utc_rfc3339(*expires);
    }
    return {};
}

}  // namespace

std::string to_hex(const PgpFingerprint& fingerprint) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string text;
    for (const std::uint8_t b : fingerprint) {
        text += kDigits[b >> 4];
        text += kDigits[b & 0xF];
    }
    return text;
}

unsigned PgpPublicKey::bit_length() const noexcept {
    if (algorithm == 22) {
        return 256;
    }
    if (rsa_n.empty()) {
        return 0;
    }
    // MPIs come without leading zero bytes: only the top byte's leading zero bits are not key.
    unsigned bits = static_cast<unsigned>(rsa_n.size()) * 8;
    for (unsigned mask = 0x80; mask != 0 && (rsa_n.front() & mask) == 0; mask >>= 1) {
        --bits;
    }
    return bits;
}

bool PgpPublicKey::supported() const noexcept {
    return algorithm == detail::kAlgorithmRsa || algorithm == detail::kAlgorithmEddsa;
}

std::uint64_t PgpPublicKey::key_id() const noexcept {
    std::uint64_t id = 0;
    for (std::size_t i = kPgpFingerprintSize - 8; i < kPgpFingerprintSize; ++i) {
        id = id << 8 | fingerprint[i];
    }
    return id;
}

std::string PgpPublicKey::unusable_at(std::int64_t now) const {
    const std::string name = "OpenPGP key " + to_hex(fingerprint);
    if (created > now) {
        return name + " is not valid yet (created " + sif::utc_rfc3339(created) + ")";
    }
    // A compromised key is distrusted even for signatures older than its revocation; for the
    // other reasons the revocation counts from when it was made, as in the reference.
    constexpr std::uint8_t kReasonCompromised = 2;
    if (revocation && (revocation->reason == kReasonCompromised || revocation->created <= now)) {
        static constexpr const char* kReasons[] = {"", "key superseded", "key compromised",
                                                   "key retired"};
        std::string detail = revocation->reason < 4 ? kReasons[revocation->reason] : "";
        if (!revocation->text.empty()) {
            detail += (detail.empty() ? "" : ": ") + revocation->text;
        }
        std::string why = name + " was revoked on " + sif::utc_rfc3339(revocation->created);
        return detail.empty() ? why : why + " (" + detail + ")";
    }
    if (expires && now > *expires) {
        return name + " expired on " + sif::utc_rfc3339(*expires);
    }
    return {};
}

// Assembles certificates packet by packet (RFC 4880 §11.1): a primary key, its revocations and
// user IDs with their certifications, then subkeys each followed by its bindings and revocations.
// Only self-signatures that verify count; the ruling one sets the key's expiry.
struct PgpCertificateBuilder {
    std::vector<PgpCertificate> done;
    std::optional<PgpCertificate> current;
    std::optional<detail::SignaturePacket> self_signature;  // ruling certification of the primary
    std::span<const std::uint8_t> user_id;                  // the user ID certifications follow
    bool in_user_id = false;                         // false after a user attribute or a subkey
    std::optional<PgpPublicKey> subkey;              // the last subkey, waiting for its signatures
    std::optional<detail::SignaturePacket> binding;  // its ruling binding
    std::string origin;

    void finish() {
        finish_subkey();
        if (current) {
            PgpPublicKey& primary_key = current->primary_;
            if (self_signature) {
                primary_key.expires = detail::expiry_from(primary_key, *self_signature);
            }
            current->signing_keys_.insert(current->signing_keys_.begin(), primary_key);
            done.push_back(std::move(*current));
        }
        current.reset();
        self_signature.reset();
        in_user_id = false;
    }

    // A subkey signs only when its ruling binding gives it the signing flag.
    void finish_subkey() {
        if (current && subkey && binding && binding->key_flags &&
            (*binding->key_flags & detail::kKeyFlagSign) != 0) {
            subkey->expires = detail::expiry_from(*subkey, *binding);
            current->signing_keys_.push_back(*subkey);
        }
        subkey.reset();
        binding.reset();
    }

    void packet(const detail::Packet& packet);

    void primary(std::span<const std::uint8_t> body) {
        finish();
        current.emplace();
        current->primary_ = parse_key_packet(body);
        current->origin_ = origin;
    }

    void start_subkey(std::span<const std::uint8_t> body) {
        finish_subkey();
        in_user_id = false;
        subkey = parse_key_packet(body);
    }

    void signature(std::span<const std::uint8_t> body) {
        if (!current) {
            return;
        }
        detail::SignaturePacket sig;
        try {
            sig = detail::parse_signature_packet(body);
        } catch (const Error&) {
            return;  // an unreadable self-signature only loses what it would have said
        }
        const PgpPublicKey& primary_key = current->primary_;
        if (sig.type == detail::kSigKeyRevocation) {
            if (!primary_key.revocation && detail::verifies_key_revocation(primary_key, sig)) {
                current->primary_.revocation = detail::revocation_from(sig);
            }
        } else if (subkey) {
            if (!detail::verifies_subkey_signature(primary_key, *subkey, sig)) {
                return;
            }
            if (sig.type == detail::kSigSubkeyRevocation) {
                if (!subkey->revocation) {
                    subkey->revocation = detail::revocation_from(sig);
                }
            } else if (!binding || detail::rules_over(sig, *binding)) {
                binding = sig;
            }
        } else if (in_user_id && detail::verifies_certification(primary_key, user_id, sig) &&
                   (!self_signature || detail::rules_over(sig, *self_signature))) {
            self_signature = sig;
        }
    }
};

namespace {

// Feeds one packet sequence (an armor block's data, or a binary keyring) to the builder.
void add_packets(PgpCertificateBuilder& builder, std::span<const std::uint8_t> bytes) {
    for (const detail::Packet& packet : detail::split_packets(bytes)) {
        builder.packet(packet);
    }
    builder.finish();
}

}  // namespace

void PgpCertificateBuilder::packet(const detail::Packet& packet) {
    switch (packet.tag) {
        case detail::kTagPublicKey:
            primary(packet.body);
            break;
        case detail::kTagUserId:
            if (current && !subkey) {
                if (current->user_id_.empty()) {
                    current->user_id_.assign(packet.body.begin(), packet.body.end());
                }
                user_id = packet.body;
                in_user_id = true;
            }
            break;
        case detail::kTagUserAttribute:
            in_user_id = false;  // its certifications hash an image
            break;
        case detail::kTagPublicSubkey:
            if (current) {
                start_subkey(packet.body);
            }
            break;
        case detail::kTagSignature:
            signature(packet.body);
            break;
        case detail::kTagTrust:
            return;  // gpg's local trust: not part of the certificate
        default:
            break;
    }
    if (current) {
        current->packets_.insert(current->packets_.end(), packet.whole.begin(), packet.whole.end());
    }
}

std::vector<PgpCertificate> PgpCertificate::parse(std::string_view armored,
                                                  const std::string& origin) {
    try {
        const auto blocks = detail::decode_armor_blocks(armored, kPublicKeyBlock);
        PgpCertificateBuilder builder;
        builder.origin = origin;
        for (const auto& block : blocks) {
            add_packets(builder, block.data);
        }
        if (builder.done.empty()) {
            throw Error(ErrorKind::invalid_input, "no OpenPGP public key found", origin);
        }
        return std::move(builder.done);
    } catch (const Error& e) {
        throw e.file().empty() ? e.with_file(origin) : e;
    }
}

std::vector<PgpCertificate> PgpCertificate::parse_binary(std::span<const std::uint8_t> packets,
                                                         const std::string& origin) {
    try {
        PgpCertificateBuilder builder;
        builder.origin = origin;
        add_packets(builder, packets);
        if (builder.done.empty()) {
            throw Error(ErrorKind::invalid_input, "no OpenPGP public key found", origin);
        }
        return std::move(builder.done);
    } catch (const Error& e) {
        throw e.file().empty() ? e.with_file(origin) : e;
    }
}

std::vector<PgpCertificate> PgpCertificate::load(const std::filesystem::path& path) {
    const std::string content = detail::read_key_file(path, detail::kMaxKeyringSize);
    const auto bytes = std::as_bytes(std::span(content));
    const std::span<const std::uint8_t> raw(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                            bytes.size());
    const int tag = first_packet_tag(raw);
    if (tag == detail::kTagSecretKey ||
        content.find("-----BEGIN PGP PRIVATE KEY BLOCK-----") != std::string::npos) {
        throw Error(ErrorKind::invalid_input,
                    "an OpenPGP private key (or secret keyring), not a public key", path.string());
    }
    if (content.empty()) {
        throw Error(ErrorKind::invalid_input, "an empty file, no OpenPGP public key",
                    path.string());
    }
    if (tag == detail::kTagPublicKey) {
        return parse_binary(raw, path.string());
    }
    return parse(content, path.string());
}

int PgpCertificate::first_packet_tag(std::span<const std::uint8_t> bytes) noexcept {
    if (bytes.empty() || (bytes[0] & 0x80) == 0) {
        return -1;
    }
    return (bytes[0] & 0x40) != 0 ? bytes[0] & 0x3F : (bytes[0] >> 2) & 0x0F;
}

bool PgpCertificate::is_binary_public_key(std::span<const std::uint8_t> bytes) noexcept {
    return first_packet_tag(bytes) == detail::kTagPublicKey;
}

bool PgpCertificate::is_armored_public_key(std::string_view text) noexcept {
    return text.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") != std::string_view::npos;
}

PgpSignatureCheck check_pgp_signature(std::span<const std::uint8_t> packets, std::string_view data,
                                      const std::vector<const PgpCertificate*>& trusted,
                                      std::optional<std::int64_t> now) {
    const std::int64_t at = now.value_or(sif::unix_now());
    PgpSignatureCheck unknown;
    std::optional<PgpSignatureCheck> invalid;
    bool any = false;
    for (const detail::Packet& packet : detail::split_packets(packets)) {
        if (packet.tag != detail::kTagSignature) {
            continue;
        }
        any = true;
        const detail::SignaturePacket sig = detail::parse_signature_packet(packet.body);
        const std::string issuer = sig.issuer_text();
        for (const PgpCertificate* certificate : trusted) {
            for (const PgpPublicKey& key : certificate->signing_keys()) {
                if (!sig.names(key)) {
                    continue;
                }
                PgpSignatureCheck check{
                    PgpSignatureCheck::Outcome::invalid, certificate, issuer, {}};
                const auto algorithm = detail::digest_algorithm_of(sig.hash_algorithm);
                if (sig.type != detail::kSigBinary && sig.type != detail::kSigText) {
                    check.reason = "OpenPGP signature type " + std::to_string(sig.type) +
                                   " is not a document signature";
                } else if (!algorithm) {
                    check.reason = "OpenPGP hash algorithm " + std::to_string(sig.hash_algorithm) +
                                   " is not accepted (SHA-224/256/384/512 are)";
                } else if (sig.unknown_critical) {
                    check.reason = "unknown critical subpacket " +
                                   std::to_string(*sig.unknown_critical) + " in the signature";
                } else if (!key.supported()) {
                    check.reason = "unsupported public-key algorithm " +
                                   std::to_string(key.algorithm) + " (RSA and Ed25519 are)";
                } else {
                    Hasher hasher(*algorithm);
                    const std::string text =
                        sig.type == detail::kSigText ? canonical_text(data) : std::string(data);
                    hasher.update(std::as_bytes(std::span(text)));
                    if (detail::verify_digest(key, sig,
                                              detail::finish_signature_hash(hasher, sig))) {
                        // A good signature still needs a key good at `at`, as the reference's
                        // go-crypto decides: the primary key, then the subkey that signed.
                        check.reason = certificate->primary().unusable_at(at);
                        if (check.reason.empty() && key.fingerprint != certificate->fingerprint()) {
                            check.reason = key.unusable_at(at);
                        }
                        if (check.reason.empty()) {
                            check.reason = signature_unusable_at(sig, at);
                        }
                        if (check.reason.empty()) {
                            check.outcome = PgpSignatureCheck::Outcome::verified;
                            return check;
                        }
                    } else {
                        check.reason =
                            "OpenPGP signature does not verify with key " + to_hex(key.fingerprint);
                    }
                }
                if (!invalid) {
                    invalid = check;
                }
            }
        }
        if (unknown.issuer.empty()) {
            unknown.issuer = issuer;
        }
    }
    if (!any) {
        throw Error(ErrorKind::invalid_input, "no OpenPGP signature packet");
    }
    if (invalid) {
        return *invalid;
    }
    unknown.reason = unknown.issuer.empty() ? "the signature names no issuer key"
                                            : "signed by unknown key " + unknown.issuer;
    return unknown;
}

}  // namespace sifkit::sign
