// Key loading, generation, signing and verification. Ed25519 signatures go through libsodium;
// OpenSSL parses and writes every PEM form and does ECDSA and RSA.
#include "sifkit/sign/keys.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <array>

#include "evp_key.hpp"
#include "key_file.hpp"
#include "openssl_handles.hpp"
#include "sifkit/sif/base64.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/cosign_key.hpp"
#include "sifkit/sign/digest.hpp"

namespace sifkit::sign {
namespace {

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
    ERR_clear_error();
    throw Error(ErrorKind::invalid_input, what, origin);
}

// What a PEM text holds, by its labels: a file of the wrong kind gets an error that says what
// it is and what to give instead, rather than OpenSSL's "not a PEM ... key".
enum class PemKind { public_key, private_key, encrypted_private_key, other };

PemKind pem_kind(std::string_view pem) {
    if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
        pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos ||
        is_cosign_private_key(pem)) {
        return PemKind::encrypted_private_key;
    }
    // "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY" (not OpenPGP's
    // "PRIVATE KEY BLOCK").
    if (pem.find(" PRIVATE KEY-----") != std::string_view::npos ||
        pem.find("-----BEGIN PRIVATE KEY-----") != std::string_view::npos) {
        return PemKind::private_key;
    }
    if (pem.find("PUBLIC KEY-----") != std::string_view::npos) {
        return PemKind::public_key;
    }
    return PemKind::other;
}

void ensure_sodium() {
    if (sodium_init() < 0) {
        throw Error(ErrorKind::internal, "libsodium failed to initialise");
    }
}

KeyType type_of(EVP_PKEY* pkey, const std::string& origin) {
    switch (EVP_PKEY_get_base_id(pkey)) {
        case EVP_PKEY_ED25519:
            return KeyType::ed25519;
        case EVP_PKEY_RSA:
            return KeyType::rsa;
        case EVP_PKEY_EC: {
            std::array<char, 64> curve{};
            std::size_t length = 0;
            if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve.data(),
                                               curve.size(), &length) != 1) {
                fail(origin, "cannot read the EC curve of the key");
            }
            const std::string name(curve.data(), length);
            if (name == "prime256v1" || name == "P-256")
                return KeyType::ecdsa_p256;
            if (name == "secp384r1" || name == "P-384")
                return KeyType::ecdsa_p384;
            if (name == "secp521r1" || name == "P-521")
                return KeyType::ecdsa_p521;
            fail(origin, "unsupported EC curve " + name + " (P-256, P-384 and P-521 are)");
        }
        default:
            fail(origin, "unsupported key type (Ed25519, ECDSA and RSA are)");
    }
}

std::array<std::uint8_t, 32> raw_ed25519(EVP_PKEY* pkey, bool private_part) {
    std::array<std::uint8_t, 32> raw{};
    std::size_t length = raw.size();
    const int ok = private_part ? EVP_PKEY_get_raw_private_key(pkey, raw.data(), &length)
                                : EVP_PKEY_get_raw_public_key(pkey, raw.data(), &length);
    if (ok != 1 || length != raw.size()) {
        throw Error(ErrorKind::internal, "cannot extract the Ed25519 key bytes");
    }
    return raw;
}

// SSH wire format pieces.
void put_string(std::string& out, std::string_view bytes) {
    const auto n = static_cast<std::uint32_t>(bytes.size());
    out += static_cast<char>(n >> 24 & 0xFF);
    out += static_cast<char>(n >> 16 & 0xFF);
    out += static_cast<char>(n >> 8 & 0xFF);
    out += static_cast<char>(n & 0xFF);
    out += bytes;
}

void put_mpint(std::string& out, const BIGNUM* number) {
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(number)), '\0');
    BN_bn2bin(number, reinterpret_cast<unsigned char*>(bytes.data()));
    if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80) != 0) {
        bytes.insert(bytes.begin(), '\0');
    }
    put_string(out, bytes);
}

const EVP_MD* hash_for_ecdsa(KeyType type) {
    (void)type;
    return EVP_sha256();  // the reference's signers hash with SHA-256 by default
}

bool verify_with(EVP_PKEY* pkey, const EVP_MD* md, std::string_view message,
                 const std::vector<std::uint8_t>& signature) {
    const detail::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    const bool ok = ctx != nullptr &&
                    EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey) == 1 &&
                    EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size()) == 1;
    ERR_clear_error();
    return ok;
}

// PEM text of the public part of `pkey` (SubjectPublicKeyInfo).
std::string public_pem(EVP_PKEY* pkey) {
    const detail::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PUBKEY(bio.get(), pkey);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace

namespace detail {

KeyType key_type_of(EVP_PKEY* pkey, const std::string& origin) {
    return type_of(pkey, origin);
}

}  // namespace detail

std::string_view name_of(KeyType type) noexcept {
    switch (type) {
        case KeyType::ed25519:
            return "ed25519";
        case KeyType::ecdsa_p256:
            return "ecdsa-p256";
        case KeyType::ecdsa_p384:
            return "ecdsa-p384";
        case KeyType::ecdsa_p521:
            return "ecdsa-p521";
        case KeyType::rsa:
            return "rsa";
    }
    return "unknown";
}

// ---- PublicKey ----------------------------------------------------------------------------

PublicKey PublicKey::from_pem(std::string_view pem, const std::string& origin) {
    // The generic decoder takes SubjectPublicKeyInfo and the PKCS#1 "RSA PUBLIC KEY" form alike.
    EVP_PKEY* decoded = nullptr;
    const detail::DecoderCtxPtr decoder(OSSL_DECODER_CTX_new_for_pkey(
        &decoded, "PEM", nullptr, nullptr, EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
    const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
    std::size_t length = pem.size();
    const bool ok =
        decoder != nullptr && OSSL_DECODER_from_data(decoder.get(), &data, &length) == 1;
    detail::EvpPkeyPtr pkey(decoded);  // owned whether decoding succeeded or not
    if (!ok) {
        pkey.reset();
    }
    if (pkey == nullptr) {
        const PemKind kind = pem_kind(pem);
        fail(origin, kind == PemKind::private_key || kind == PemKind::encrypted_private_key
                         ? "a private key; verifying needs its public key (`openssl pkey -in "
                           "KEY -pubout` writes it)"
                         : "not a PEM public key");
    }
    PublicKey key;
    key.type_ = type_of(pkey.get(), origin);
    key.pkey_ = std::move(pkey);
    key.origin_ = origin;
    return key;
}

PublicKey PublicKey::load(const std::filesystem::path& path) {
    return from_pem(detail::read_key_file(path), path.string());
}

std::string PublicKey::keyid() const {
    EVP_PKEY* pkey = pkey_.get();
    std::string wire;
    switch (type_) {
        case KeyType::ed25519: {
            const auto raw = raw_ed25519(pkey, false);
            put_string(wire, "ssh-ed25519");
            put_string(wire,
                       std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
            break;
        }
        case KeyType::rsa: {
            BIGNUM* e = nullptr;
            BIGNUM* n = nullptr;
            EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e);
            const detail::BignumPtr owned_e(e);
            EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n);
            const detail::BignumPtr owned_n(n);
            put_string(wire, "ssh-rsa");
            put_mpint(wire, e);
            put_mpint(wire, n);
            break;
        }
        default: {
            const char* curve = type_ == KeyType::ecdsa_p256   ? "nistp256"
                                : type_ == KeyType::ecdsa_p384 ? "nistp384"
                                                               : "nistp521";
            std::array<unsigned char, 200> point{};
            std::size_t length = 0;
            EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                            point.size(), &length);
            put_string(wire, std::string("ecdsa-sha2-") + curve);
            put_string(wire, curve);
            put_string(wire, std::string_view(reinterpret_cast<const char*>(point.data()), length));
            break;
        }
    }
    const Digest digest = digest_of(DigestAlgorithm::sha256, std::as_bytes(std::span(wire)));
    std::string id = sif::base64_encode(digest.value);
    while (!id.empty() && id.back() == '=') {
        id.pop_back();
    }
    return "SHA256:" + id;
}

bool PublicKey::verify(std::string_view message, const std::vector<std::uint8_t>& signature) const {
    EVP_PKEY* pkey = pkey_.get();
    if (type_ == KeyType::ed25519) {
        ensure_sodium();
        if (signature.size() != crypto_sign_BYTES) {
            return false;
        }
        const auto raw = raw_ed25519(pkey, false);
        return crypto_sign_verify_detached(signature.data(),
                                           reinterpret_cast<const unsigned char*>(message.data()),
                                           message.size(), raw.data()) == 0;
    }
    for (const EVP_MD* md : {EVP_sha256(), EVP_sha384(), EVP_sha512()}) {
        if (verify_with(pkey, md, message, signature)) {
            return true;
        }
    }
    return false;
}

std::string PublicKey::to_pem() const {
    return public_pem(pkey_.get());
}

// ---- PrivateKey ---------------------------------------------------------------------------

PrivateKey PrivateKey::from_pem(std::string_view pem, const std::string& origin,
                                const std::string& passphrase) {
    if (is_cosign_private_key(pem)) {
        return cosign_private_key_from_pem(pem, origin, passphrase);
    }
    const detail::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    detail::EvpPkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr,
                                                    const_cast<char*>(passphrase.c_str())));
    if (pkey == nullptr) {
        switch (pem_kind(pem)) {
            case PemKind::public_key:
                fail(origin, "a public key; signing needs the private key");
            case PemKind::encrypted_private_key:
                ERR_clear_error();
                throw Error(ErrorKind::denied,
                            passphrase.empty()
                                ? "an encrypted private key, and no passphrase was given"
                                : "wrong passphrase for the encrypted private key",
                            origin);
            default:
                fail(origin, "not a PEM private key");
        }
    }
    PrivateKey key;
    key.type_ = type_of(pkey.get(), origin);
    key.pkey_ = std::move(pkey);
    key.origin_ = origin;
    return key;
}

PrivateKey PrivateKey::load(const std::filesystem::path& path, const std::string& passphrase) {
    return from_pem(detail::read_key_file(path), path.string(), passphrase);
}

PrivateKey PrivateKey::load(const std::filesystem::path& path,
                            const PassphraseSource& ask_passphrase) {
    const std::string pem = detail::read_key_file(path);
    if (pem_kind(pem) != PemKind::encrypted_private_key) {
        return from_pem(pem, path.string());
    }
    return from_pem(pem, path.string(), ask_passphrase().value_or(std::string()));
}

PrivateKey PrivateKey::generate(KeyType type) {
    detail::EvpPkeyPtr pkey;
    switch (type) {
        case KeyType::ed25519:
            pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
            break;
        case KeyType::ecdsa_p256:
            pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
            break;
        case KeyType::ecdsa_p384:
            pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
            break;
        case KeyType::ecdsa_p521:
            pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"));
            break;
        case KeyType::rsa:
            pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(3072)));
            break;
    }
    if (pkey == nullptr) {
        throw Error(ErrorKind::internal, "key generation failed");
    }
    PrivateKey key;
    key.pkey_ = std::move(pkey);
    key.type_ = type;
    key.origin_ = "<generated>";
    return key;
}

PublicKey PrivateKey::public_key() const {
    return PublicKey::from_pem(public_pem(pkey_.get()), origin_);
}

std::vector<std::uint8_t> PrivateKey::sign(std::string_view message) const {
    EVP_PKEY* pkey = pkey_.get();
    if (type_ == KeyType::ed25519) {
        ensure_sodium();
        const auto seed = raw_ed25519(pkey, true);
        std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
        std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk{};
        crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
        std::vector<std::uint8_t> signature(crypto_sign_BYTES);
        crypto_sign_detached(signature.data(), nullptr,
                             reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                             sk.data());
        sodium_memzero(sk.data(), sk.size());
        return signature;
    }
    const EVP_MD* md = type_ == KeyType::rsa ? EVP_sha256() : hash_for_ecdsa(type_);
    const detail::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t length = 0;
    std::vector<std::uint8_t> signature;
    const auto* data = reinterpret_cast<const unsigned char*>(message.data());
    bool ok = ctx != nullptr && EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey) == 1 &&
              EVP_DigestSign(ctx.get(), nullptr, &length, data, message.size()) == 1;
    if (ok) {
        signature.resize(length);
        ok = EVP_DigestSign(ctx.get(), signature.data(), &length, data, message.size()) == 1;
        signature.resize(length);
    }
    if (!ok) {
        fail(origin_, "signing failed");
    }
    return signature;
}

std::string PrivateKey::to_pem(const std::string& passphrase) const {
    const detail::BioPtr bio(BIO_new(BIO_s_mem()));
    const EVP_CIPHER* cipher = passphrase.empty() ? nullptr : EVP_aes_256_cbc();
    PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), cipher,
                                  passphrase.empty() ? nullptr : passphrase.c_str(),
                                  static_cast<int>(passphrase.size()), nullptr, nullptr);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace sifkit::sign
