// OpenPGP signing through GnuPG (GPGME), so that sifkit holds no second OpenPGP signing
// implementation and keys work wherever gpg has them: a secret key file (armored or binary),
// imported into a private, throwaway GnuPG home; or a key gpg already holds (GNUPGHOME or
// ~/.gnupg), where gpg-agent asks for the passphrase or a smartcard's PIN as it does for gpg.
//
// The signature is what the reference library's OpenPGP signer makes of the metadata (format
// §9.3): a v4 canonical-text (0x01) signature of the JSON, framed as a clear-signed message
// byte for byte as v2.8.3 frames it. gpg chooses the signature's subpackets, so the packet
// itself differs from the reference's; the reference and gpg verify it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sifkit/sign/keys.hpp"
#include "sifkit/sign/pgp.hpp"

namespace sifkit::sign {

class PgpSigner {
  public:
    // A secret key file; the throwaway GnuPG home (and its agent) go with the signer.
    static PgpSigner from_key_file(const std::filesystem::path& file, PassphraseSource passphrase);
    // A secret key held by gpg, named by fingerprint, key ID or user ID (exactly one key must
    // match).
    static PgpSigner from_gpg(const std::string& key);

    PgpSigner(PgpSigner&&) noexcept;
    PgpSigner& operator=(PgpSigner&&) noexcept;
    ~PgpSigner();

    const PgpFingerprint& fingerprint() const noexcept;
    std::string fingerprint_hex() const { return to_hex(fingerprint()); }
    // The clear-signed message of `text` (one line of JSON), as the signature object holds it.
    std::string clearsign(std::string_view text) const;

  private:
    struct State;
    explicit PgpSigner(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace sifkit::sign
