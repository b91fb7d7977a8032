// cosign's encrypted private keys: scrypt (libsodium's crypto_pwhash_scryptsalsa208sha256_ll)
// and NaCl secretbox (crypto_secretbox_easy, which lays out tag || ciphertext as Go's
// secretbox.Seal does).
#include "sifkit/sign/cosign_key.hpp"

#include <sodium.h>

#include <array>
#include <nlohmann/json.hpp>

#include "sifkit/sif/base64.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::sign {
namespace {

constexpr std::size_t kSaltSize = 32;
constexpr std::string_view kKdfName = "scrypt";
constexpr std::string_view kCipherName = "nacl/secretbox";

struct ScryptParams {
    std::uint64_t n;
    std::uint32_t r;
    std::uint32_t p;
};

// go-securesystemslib's legacy, standard and OWASP sets; nothing else is read.
constexpr std::array<ScryptParams, 3> kAcceptedParams{
    {{32768, 8, 1}, {65536, 8, 1}, {131072, 8, 1}}};
constexpr ScryptParams kWrittenParams = kAcceptedParams[0];

[[noreturn]] void malformed(const std::string& origin, const std::string& what) {
    throw Error(ErrorKind::invalid_input, "cosign private key: " + what, origin);
}

// The base64 between "-----BEGIN LABEL-----" and "-----END LABEL-----" of the first block
// with `label`, decoded; empty when there is none, nullopt when it is not base64.
std::optional<std::string> pem_body(std::string_view pem, std::string_view label) {
    const std::string begin = "-----BEGIN " + std::string(label) + "-----";
    const std::string end = "-----END " + std::string(label) + "-----";
    const auto first = pem.find(begin);
    if (first == std::string_view::npos) {
        return std::string();
    }
    const auto last = pem.find(end, first + begin.size());
    if (last == std::string_view::npos) {
        return std::string();
    }
    std::string base64;
    for (const char c : pem.substr(first + begin.size(), last - first - begin.size())) {
        if (c != '\n' && c != '\r' && c != ' ' && c != '\t') {
            base64 += c;
        }
    }
    const auto bytes = sif::base64_decode(base64);
    if (!bytes) {
        return std::nullopt;
    }
    return std::string(bytes->begin(), bytes->end());
}

std::string pem_block(std::string_view label, std::string_view der) {
    const std::string base64 = sif::base64_encode(der);
    std::string out = "-----BEGIN " + std::string(label) + "-----\n";
    for (std::size_t i = 0; i < base64.size(); i += 64) {
        out += base64.substr(i, 64) + "\n";
    }
    return out + "-----END " + std::string(label) + "-----\n";
}

std::array<unsigned char, crypto_secretbox_KEYBYTES> derive_key(const std::string& passphrase,
                                                                const std::string& salt,
                                                                const ScryptParams& params) {
    std::array<unsigned char, crypto_secretbox_KEYBYTES> key{};
    if (crypto_pwhash_scryptsalsa208sha256_ll(
            reinterpret_cast<const std::uint8_t*>(passphrase.data()), passphrase.size(),
            reinterpret_cast<const std::uint8_t*>(salt.data()), salt.size(), params.n, params.r,
            params.p, key.data(), key.size()) != 0) {
        throw Error(ErrorKind::internal, "scrypt failed (out of memory?)");
    }
    return key;
}

void ensure_sodium() {
    if (sodium_init() < 0) {
        throw Error(ErrorKind::internal, "libsodium failed to initialise");
    }
}

std::string decode_field(const nlohmann::json& object, const char* name,
                         const std::string& origin) {
    const auto it = object.find(name);
    if (it == object.end() || !it->is_string()) {
        malformed(origin, std::string("no ") + name);
    }
    const auto bytes = sif::base64_decode(it->get<std::string>());
    if (!bytes) {
        malformed(origin, std::string("bad base64 in ") + name);
    }
    return {bytes->begin(), bytes->end()};
}

}  // namespace

bool is_cosign_private_key(std::string_view pem) noexcept {
    for (const std::string_view label : {kCosignPrivateKeyLabel, kLegacyCosignPrivateKeyLabel}) {
        if (pem.find("-----BEGIN " + std::string(label) + "-----") != std::string_view::npos) {
            return true;
        }
    }
    return false;
}

std::string cosign_private_key_pem(const PrivateKey& key, const std::string& passphrase) {
    ensure_sodium();
    const std::optional<std::string> der = pem_body(key.to_pem(), "PRIVATE KEY");
    if (!der || der->empty()) {
        throw Error(ErrorKind::internal, "cannot read back the PKCS#8 form of the key");
    }
    std::string salt(kSaltSize, '\0');
    randombytes_buf(salt.data(), salt.size());
    std::string nonce(crypto_secretbox_NONCEBYTES, '\0');
    randombytes_buf(nonce.data(), nonce.size());
    auto box_key = derive_key(passphrase, salt, kWrittenParams);
    std::string sealed(der->size() + crypto_secretbox_MACBYTES, '\0');
    crypto_secretbox_easy(reinterpret_cast<unsigned char*>(sealed.data()),
                          reinterpret_cast<const unsigned char*>(der->data()), der->size(),
                          reinterpret_cast<const unsigned char*>(nonce.data()), box_key.data());
    sodium_memzero(box_key.data(), box_key.size());
    // Field order as Go marshals go-securesystemslib's structs.
    nlohmann::ordered_json params;
    params["N"] = kWrittenParams.n;
    params["r"] = kWrittenParams.r;
    params["p"] = kWrittenParams.p;
    nlohmann::ordered_json kdf;
    kdf["name"] = kKdfName;
    kdf["params"] = params;
    kdf["salt"] = sif::base64_encode(salt);
    nlohmann::ordered_json cipher;
    cipher["name"] = kCipherName;
    cipher["nonce"] = sif::base64_encode(nonce);
    nlohmann::ordered_json document;
    document["kdf"] = kdf;
    document["cipher"] = cipher;
    document["ciphertext"] = sif::base64_encode(sealed);
    return pem_block(kCosignPrivateKeyLabel, document.dump());
}

PrivateKey cosign_private_key_from_pem(std::string_view pem, const std::string& origin,
                                       const std::string& passphrase) {
    ensure_sodium();
    std::optional<std::string> body = pem_body(pem, kCosignPrivateKeyLabel);
    if (body && body->empty()) {
        body = pem_body(pem, kLegacyCosignPrivateKeyLabel);
    }
    if (!body) {
        malformed(origin, "bad base64 in the PEM block");
    }
    const auto document = nlohmann::json::parse(*body, nullptr, false);
    if (!document.is_object() || !document.contains("kdf") || !document["kdf"].is_object() ||
        !document.contains("cipher") || !document["cipher"].is_object()) {
        malformed(origin, "the PEM block is not cosign's encrypted-key JSON");
    }
    const auto& kdf = document["kdf"];
    const auto& cipher = document["cipher"];
    const auto name_of = [](const nlohmann::json& object) {
        const auto it = object.find("name");
        return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (name_of(kdf) != kKdfName) {
        malformed(origin, "unknown key derivation \"" + name_of(kdf) + "\"");
    }
    if (name_of(cipher) != kCipherName) {
        malformed(origin, "unknown cipher \"" + name_of(cipher) + "\"");
    }
    const auto params = kdf.find("params");
    const auto number = [&](const char* key) -> std::uint64_t {
        const auto it = params->find(key);
        return it != params->end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
    };
    const ScryptParams* chosen = nullptr;
    if (params != kdf.end() && params->is_object()) {
        for (const ScryptParams& accepted : kAcceptedParams) {
            if (number("N") == accepted.n && number("r") == accepted.r &&
                number("p") == accepted.p) {
                chosen = &accepted;
            }
        }
    }
    if (chosen == nullptr) {
        malformed(origin, "unsupported scrypt parameters");
    }
    const std::string salt = decode_field(kdf, "salt", origin);
    const std::string nonce = decode_field(cipher, "nonce", origin);
    const std::string sealed = decode_field(document, "ciphertext", origin);
    if (nonce.size() != crypto_secretbox_NONCEBYTES) {
        malformed(origin, "the nonce is not 24 bytes");
    }
    if (sealed.size() < crypto_secretbox_MACBYTES) {
        malformed(origin, "the ciphertext is too short");
    }
    auto box_key = derive_key(passphrase, salt, *chosen);
    std::string der(sealed.size() - crypto_secretbox_MACBYTES, '\0');
    const int opened = crypto_secretbox_open_easy(
        reinterpret_cast<unsigned char*>(der.data()),
        reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
        reinterpret_cast<const unsigned char*>(nonce.data()), box_key.data());
    sodium_memzero(box_key.data(), box_key.size());
    if (opened != 0) {
        throw Error(ErrorKind::denied,
                    passphrase.empty()
                        ? "a cosign private key sealed with a passphrase, and none was given"
                        : "wrong passphrase for the cosign private key",
                    origin);
    }
    std::string pem_text = pem_block("PRIVATE KEY", der);
    sodium_memzero(der.data(), der.size());
    PrivateKey key = PrivateKey::from_pem(pem_text, origin);
    sodium_memzero(pem_text.data(), pem_text.size());
    return key;
}

}  // namespace sifkit::sign
