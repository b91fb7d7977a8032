// The set of keys a verification trusts, loaded from files: PEM public keys (for DSSE) and
// ASCII-armored OpenPGP public keys (for PGP signatures), told apart by their content.
#pragma once

#include <deque>
#include <filesystem>

#include "sifkit/sign/keys.hpp"
#include "sifkit/sign/pgp.hpp"
#include "sifkit/sign/verify.hpp"

namespace sifkit::sign {

class TrustedKeys {
  public:
    // Adds the key(s) of one file: an armored "PGP PUBLIC KEY BLOCK" (every certificate in
    // it), otherwise a PEM public key. Throws an Error naming the file when it is neither.
    void add_file(const std::filesystem::path& path);
    // Adds every regular file named *.pub or *.pem in `dir` (not recursive), in name order.
    // Throws a not_found Error when the directory does not exist or holds no such file.
    void add_directory(const std::filesystem::path& dir);
    // Adds a key vouched for some other way (the leaf key of a verified X.509 certificate).
    void add(PublicKey key) { pem_.push_back(std::move(key)); }

    std::size_t size() const noexcept { return pem_.size() + pgp_.size(); }
    // Points the options' key lists at these keys (which must outlive the verification).
    void apply_to(VerifyOptions& options) const;

  private:
    std::deque<PublicKey> pem_;  // a deque: pointers handed out stay valid as keys are added
    std::deque<PgpCertificate> pgp_;
};

}  // namespace sifkit::sign
