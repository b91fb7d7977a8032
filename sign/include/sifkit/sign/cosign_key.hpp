// cosign's own private-key format (sigstore/cosign pkg/cosign/keys.go, over
// secure-systems-lab/go-securesystemslib's `encrypted` package): a PEM block labelled
// "ENCRYPTED SIGSTORE PRIVATE KEY" (older cosign: "ENCRYPTED COSIGN PRIVATE KEY") whose body is
// the JSON {"kdf":{"name":"scrypt","params":{"N":..,"r":8,"p":1},"salt":B64},
// "cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64}, the ciphertext being the
// key's PKCS#8 DER sealed by NaCl secretbox under the scrypt of the passphrase. The public half
// is an ordinary PKIX "PUBLIC KEY" PEM (PublicKey::to_pem).
#pragma once

#include <string>
#include <string_view>

#include "sifkit/sign/keys.hpp"

namespace sifkit::sign {

inline constexpr std::string_view kCosignPrivateKeyLabel = "ENCRYPTED SIGSTORE PRIVATE KEY";
inline constexpr std::string_view kLegacyCosignPrivateKeyLabel = "ENCRYPTED COSIGN PRIVATE KEY";

// True when the text holds a BEGIN line with either cosign label.
bool is_cosign_private_key(std::string_view pem) noexcept;

// The key in cosign's format, sealed with `passphrase` (cosign allows an empty one). Written
// with scrypt N=32768, r=8, p=1: the parameters every cosign and SingularityCE release reads
// (newer cosign writes N=65536, which older readers refuse).
std::string cosign_private_key_pem(const PrivateKey& key, const std::string& passphrase);

// Opens a cosign private key. A wrong passphrase is a denied Error; a malformed block, unknown
// KDF or cipher, or scrypt parameters outside cosign's three accepted sets (a cost an attacker
// could otherwise choose) are invalid_input.
PrivateKey cosign_private_key_from_pem(std::string_view pem, const std::string& origin,
                                       const std::string& passphrase);

}  // namespace sifkit::sign
