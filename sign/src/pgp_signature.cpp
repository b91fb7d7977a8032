// OpenPGP v4 signatures: parsing, hashing, RSA PKCS#1 v1.5 (OpenSSL) and Ed25519 (libsodium).
#include "pgp_signature.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include "openssl_handles.hpp"
#include "pgp_packets.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {
namespace {

// Subpacket types (§5.2.3.1) this reader understands; a critical one not listed here makes the
// signature unacceptable.
constexpr int kSubCreationTime = 2;
constexpr int kSubExpirationTime = 3;
constexpr int kSubKeyExpirationTime = 9;
constexpr int kSubIssuer = 16;
constexpr int kSubPrimaryUserId = 25;
constexpr int kSubKeyFlags = 27;
constexpr int kSubRevocationReason = 29;
constexpr int kSubIssuerFingerprint = 33;

// A 4-byte big-endian time or lifetime; 0 when the subpacket is malformed.
std::uint32_t be32(std::span<const std::uint8_t> data) noexcept {
    if (data.size() != 4) {
        return 0;
    }
    return static_cast<std::uint32_t>(data[0]) << 24 | static_cast<std::uint32_t>(data[1]) << 16 |
           static_cast<std::uint32_t>(data[2]) << 8 | data[3];
}

void read_subpackets(std::span<const std::uint8_t> area, bool hashed, SignaturePacket& out) {
    ByteCursor in(area, "OpenPGP signature subpacket");
    while (!in.empty()) {
        const std::uint8_t o1 = in.u8();
        std::size_t length = 0;
        if (o1 < 192) {
            length = o1;
        } else if (o1 < 255) {
            length = (static_cast<std::size_t>(o1 - 192) << 8) + in.u8() + 192;
        } else {
            length = in.u32();
        }
        if (length == 0) {
            in.fail("empty subpacket");
        }
        ByteCursor sub(in.take(length), "OpenPGP signature subpacket");
        const std::uint8_t raw_type = sub.u8();
        const int type = raw_type & 0x7F;
        const bool critical = (raw_type & 0x80) != 0;
        const auto data = sub.take(sub.remaining());
        switch (type) {
            case kSubIssuer:
                if (data.size() == 8) {
                    std::uint64_t id = 0;
                    for (const std::uint8_t b : data) {
                        id = id << 8 | b;
                    }
                    out.issuer_key_id = id;
                }
                break;
            case kSubIssuerFingerprint:
                // Version 4 fingerprints only; the unhashed area is advisory, as the key ID is.
                if (data.size() == 1 + kPgpFingerprintSize && data[0] == 4) {
                    PgpFingerprint fpr{};
                    std::copy(data.begin() + 1, data.end(), fpr.begin());
                    out.issuer_fingerprint = fpr;
                }
                break;
            case kSubKeyFlags:
                if (hashed && !data.empty()) {
                    out.key_flags = data[0];
                }
                break;
            // Times and the revocation reason count only where the signature protects them.
            case kSubCreationTime:
                if (hashed) {
                    out.created = be32(data);
                }
                break;
            case kSubExpirationTime:
                if (hashed) {
                    out.lifetime = be32(data);
                }
                break;
            case kSubKeyExpirationTime:
                if (hashed) {
                    out.key_lifetime = be32(data);
                }
                break;
            case kSubPrimaryUserId:
                if (hashed) {
                    out.primary_user_id = data.size() == 1 && data[0] != 0;
                }
                break;
            case kSubRevocationReason:
                if (hashed && !data.empty()) {
                    out.revocation_reason = data[0];
                    out.revocation_text.assign(data.begin() + 1, data.end());
                }
                break;
            default:
                if (critical && hashed && !out.unknown_critical) {
                    out.unknown_critical = type;
                }
                break;
        }
    }
}

EvpPkeyPtr rsa_key(const PgpPublicKey& key) {
    const BignumPtr n(BN_bin2bn(key.rsa_n.data(), static_cast<int>(key.rsa_n.size()), nullptr));
    const BignumPtr e(BN_bin2bn(key.rsa_e.data(), static_cast<int>(key.rsa_e.size()), nullptr));
    const ParamBuildPtr build(OSSL_PARAM_BLD_new());
    ParamPtr params;
    EVP_PKEY* pkey = nullptr;
    const EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    if (n != nullptr && e != nullptr && build != nullptr && ctx != nullptr &&
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) == 1) {
        params.reset(OSSL_PARAM_BLD_to_param(build.get()));
        if (params != nullptr && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
            EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
            pkey = nullptr;
        }
    }
    ERR_clear_error();
    return EvpPkeyPtr(pkey);
}

const EVP_MD* evp_of(std::uint8_t pgp_hash) noexcept {
    switch (pgp_hash) {
        case 8:
            return EVP_sha256();
        case 9:
            return EVP_sha384();
        case 10:
            return EVP_sha512();
        case 11:
            return EVP_sha224();
        default:
            return nullptr;
    }
}

bool verify_rsa(const PgpPublicKey& key, const SignaturePacket& signature,
                const std::vector<std::uint8_t>& digest) {
    if (signature.mpis.size() != 1 || key.rsa_n.empty() ||
        signature.mpis[0].size() > key.rsa_n.size()) {
        return false;
    }
    const auto pkey = rsa_key(key);
    const EVP_MD* md = evp_of(signature.hash_algorithm);
    if (!pkey || md == nullptr) {
        return false;
    }
    // MPIs drop leading zeros; PKCS#1 wants the signature as long as the modulus.
    std::vector<std::uint8_t> sig(key.rsa_n.size() - signature.mpis[0].size(), 0);
    sig.insert(sig.end(), signature.mpis[0].begin(), signature.mpis[0].end());
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr));
    const bool ok =
        ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
        EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1 &&
        EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size()) == 1;
    ERR_clear_error();
    return ok;
}

bool verify_ed25519(const PgpPublicKey& key, const SignaturePacket& signature,
                    const std::vector<std::uint8_t>& digest) {
    if (signature.mpis.size() != 2 || signature.mpis[0].size() > 32 ||
        signature.mpis[1].size() > 32 || sodium_init() < 0) {
        return false;
    }
    // r and s, each left-padded to 32 bytes; EdDSA in OpenPGP signs the digest itself.
    std::array<std::uint8_t, 64> sig{};
    std::copy(signature.mpis[0].begin(), signature.mpis[0].end(),
              sig.begin() + static_cast<std::ptrdiff_t>(32 - signature.mpis[0].size()));
    std::copy(signature.mpis[1].begin(), signature.mpis[1].end(),
              sig.begin() + static_cast<std::ptrdiff_t>(64 - signature.mpis[1].size()));
    return crypto_sign_verify_detached(sig.data(), digest.data(), digest.size(),
                                       key.ed25519.data()) == 0;
}

std::string hex(std::uint64_t value, int digits) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string text(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i) {
        text[static_cast<std::size_t>(i)] = kDigits[value & 0xF];
        value >>= 4;
    }
    return text;
}

}  // namespace

std::string SignaturePacket::issuer_text() const {
    if (issuer_fingerprint) {
        return to_hex(*issuer_fingerprint);
    }
    if (issuer_key_id) {
        return hex(*issuer_key_id, 16);
    }
    return {};
}

bool SignaturePacket::names(const PgpPublicKey& key) const noexcept {
    if (issuer_fingerprint) {
        return *issuer_fingerprint == key.fingerprint;
    }
    return issuer_key_id && *issuer_key_id == key.key_id();
}

std::optional<std::int64_t> SignaturePacket::expires() const noexcept {
    if (lifetime == 0) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(created) + lifetime;
}

SignaturePacket parse_signature_packet(std::span<const std::uint8_t> body) {
    ByteCursor in(body, "OpenPGP signature packet");
    const std::uint8_t version = in.u8();
    if (version != 4) {
        throw Error(ErrorKind::unsupported,
                    "OpenPGP signature version " + std::to_string(version) + " (4 is supported)");
    }
    SignaturePacket signature;
    signature.type = in.u8();
    signature.public_key_algorithm = in.u8();
    signature.hash_algorithm = in.u8();
    const std::size_t hashed_length = in.u16();
    const auto hashed = in.take(hashed_length);
    signature.hashed_part.assign(body.begin(),
                                 body.begin() + static_cast<std::ptrdiff_t>(in.position()));
    read_subpackets(hashed, true, signature);
    const std::size_t unhashed_length = in.u16();
    read_subpackets(in.take(unhashed_length), false, signature);
    signature.hash_prefix = in.u16();
    while (!in.empty() && signature.mpis.size() < 2) {
        const auto mpi = in.mpi();
        signature.mpis.emplace_back(mpi.begin(), mpi.end());
    }
    if (signature.mpis.empty()) {
        in.fail("no signature value");
    }
    return signature;
}

std::optional<DigestAlgorithm> digest_algorithm_of(std::uint8_t pgp_hash) noexcept {
    switch (pgp_hash) {
        case 8:
            return DigestAlgorithm::sha256;
        case 9:
            return DigestAlgorithm::sha384;
        case 10:
            return DigestAlgorithm::sha512;
        case 11:
            return DigestAlgorithm::sha224;
        default:
            return std::nullopt;
    }
}

std::vector<std::uint8_t> finish_signature_hash(Hasher& hasher, const SignaturePacket& signature) {
    hasher.update(std::as_bytes(std::span(signature.hashed_part)));
    const auto n = static_cast<std::uint32_t>(signature.hashed_part.size());
    const std::array<std::uint8_t, 6> trailer{0x04,
                                              0xFF,
                                              static_cast<std::uint8_t>(n >> 24),
                                              static_cast<std::uint8_t>(n >> 16),
                                              static_cast<std::uint8_t>(n >> 8),
                                              static_cast<std::uint8_t>(n)};
    hasher.update(std::as_bytes(std::span(trailer)));
    return hasher.finish().value;
}

bool verify_digest(const PgpPublicKey& key, const SignaturePacket& signature,
                   const std::vector<std::uint8_t>& digest) {
    if (digest.size() < 2 ||
        signature.hash_prefix != static_cast<std::uint16_t>(digest[0] << 8 | digest[1]) ||
        signature.public_key_algorithm != key.algorithm) {
        return false;
    }
    switch (key.algorithm) {
        case kAlgorithmRsa:
            return verify_rsa(key, signature, digest);
        case kAlgorithmEddsa:
            return verify_ed25519(key, signature, digest);
        default:
            return false;
    }
}

void hash_key_packet(Hasher& hasher, const PgpPublicKey& key) {
    const auto n = static_cast<std::uint16_t>(key.body.size());
    const std::array<std::uint8_t, 3> prefix{0x99, static_cast<std::uint8_t>(n >> 8),
                                             static_cast<std::uint8_t>(n)};
    hasher.update(std::as_bytes(std::span(prefix)));
    hasher.update(std::as_bytes(std::span(key.body)));
}

}  // namespace sifkit::sign::detail
