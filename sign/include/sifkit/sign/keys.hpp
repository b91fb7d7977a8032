// Signing keys: PEM private keys (PKCS#8, PKCS#1, SEC1) and public keys (PKIX), for Ed25519
// (signatures through libsodium), ECDSA and RSA (through OpenSSL).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sifkit/sign/openssl_ptr.hpp"

namespace sifkit::sign {

enum class KeyType { ed25519, ecdsa_p256, ecdsa_p384, ecdsa_p521, rsa };

std::string_view name_of(KeyType type) noexcept;

// Asked when a key file's secret key is protected; nullopt: no passphrase is available (the
// loader then fails with an Error that says so). Called at most once per key.
using PassphraseSource = std::function<std::optional<std::string>()>;

class PublicKey {
  public:
    // Parses a PEM public key ("PUBLIC KEY", or "RSA PUBLIC KEY"); `origin` names it in errors.
    static PublicKey from_pem(std::string_view pem, const std::string& origin);
    static PublicKey load(const std::filesystem::path& path);

    KeyType type() const noexcept { return type_; }
    const std::string& origin() const noexcept { return origin_; }
    // The key ID the reference records in DSSE envelopes: "SHA256:" + unpadded base64 of the
    // SHA-256 of the key in SSH wire format (what `ssh-keygen -l` prints).
    std::string keyid() const;
    // Verifies a signature over `message` as the reference's signers make it: Ed25519 over the
    // message, ECDSA (ASN.1) and RSA PKCS#1 v1.5 over its SHA-256 (SHA-384/512 also accepted).
    bool verify(std::string_view message, const std::vector<std::uint8_t>& signature) const;
    // SubjectPublicKeyInfo PEM.
    std::string to_pem() const;

  private:
    PublicKey() = default;
    friend class PrivateKey;
    detail::EvpPkeyPtr pkey_;
    KeyType type_ = KeyType::ed25519;
    std::string origin_;
};

class PrivateKey {
  public:
    static PrivateKey from_pem(std::string_view pem, const std::string& origin,
                               const std::string& passphrase = {});
    // A key's file that is a public key, or an encrypted key without (or with a wrong)
    // passphrase, is refused saying so (the passphrase cases as ErrorKind::denied).
    static PrivateKey load(const std::filesystem::path& path, const std::string& passphrase = {});
    // Calls `ask_passphrase` only when the key is encrypted (nullopt: there is none to be had).
    static PrivateKey load(const std::filesystem::path& path,
                           const PassphraseSource& ask_passphrase);
    static PrivateKey generate(KeyType type);
    // A key held by a PKCS#11 token (a smartcard, an HSM, SoftHSM), named by an RFC 7512 URI
    // ("pkcs11:token=site;object=signing;type=private"; "?module-path=LIB" picks the module,
    // otherwise p11-kit's proxy; "pin-value=" or `pin` unlocks the token). Signing happens in
    // the token, through OpenSSL's pkcs11 engine (Debian libengine-pkcs11-openssl): ECDSA and
    // RSA keys (the engine cannot sign EdDSA).
    static PrivateKey from_pkcs11(const std::string& uri, const std::string& pin = {});
    static bool is_pkcs11_uri(std::string_view text) noexcept {
        return text.starts_with("pkcs11:");
    }

    KeyType type() const noexcept { return type_; }
    PublicKey public_key() const;
    // Signs as the reference does (see PublicKey::verify); Ed25519 and RSA are deterministic.
    std::vector<std::uint8_t> sign(std::string_view message) const;
    // PKCS#8 PEM, encrypted with AES-256-CBC when `passphrase` is not empty.
    std::string to_pem(const std::string& passphrase = {}) const;

  private:
    PrivateKey() = default;
    detail::EvpPkeyPtr pkey_;
    KeyType type_ = KeyType::ed25519;
    std::string origin_;
};

}  // namespace sifkit::sign
