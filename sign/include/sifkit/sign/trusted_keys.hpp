// The set of keys a verification trusts, loaded from files: PEM public keys (for DSSE) and
// OpenPGP public keys, armored or binary keyrings (for PGP signatures), told apart by their
// content.
#pragma once

#include <deque>
#include <filesystem>
#include <string>
#include <vector>

#include "sifkit/sign/keys.hpp"
#include "sifkit/sign/pgp.hpp"
#include "sifkit/sign/verify.hpp"

namespace sifkit::sign {

class TrustedKeys {
  public:
    // Adds the key(s) of one file: OpenPGP public keys (an armored "PGP PUBLIC KEY BLOCK" or a
    // binary keyring, every certificate in it), otherwise a PEM public key. Throws an Error
    // naming the file when it is neither.
    void add_file(const std::filesystem::path& path);
    // Adds the key files of `dir` (not recursive), in name order: *.pub, *.pem, *.asc, *.gpg
    // and Apptainer's keyring names (pgp-public, global-pgp-public). Other entries, and key
    // files that do not load, are skipped and listed in skipped() (one bad file must not take
    // every other key's trust with it; a skipped key only trusts less). Throws a not_found
    // Error when the directory does not exist or no key loads from it.
    void add_directory(const std::filesystem::path& dir);
    // Adds a key vouched for some other way: the leaf key of a verified X.509 certificate, whose
    // subject then goes into the findings the key verifies (for the ECL's certsubject).
    void add(PublicKey key, std::string certificate_subject = {}) {
        if (!certificate_subject.empty()) {
            subjects_.emplace_back(key.keyid(), std::move(certificate_subject));
        }
        pem_.push_back(std::move(key));
    }
    struct Skipped {
        std::filesystem::path path;
        std::string reason;
    };
    const std::vector<Skipped>& skipped() const noexcept { return skipped_; }

    std::size_t size() const noexcept { return pem_.size() + pgp_.size(); }
    // Points the options' key lists at these keys (which must outlive the verification).
    void apply_to(VerifyOptions& options) const;

  private:
    std::deque<PublicKey> pem_;  // a deque: pointers handed out stay valid as keys are added
    std::deque<PgpCertificate> pgp_;
    std::vector<Skipped> skipped_;
    std::vector<std::pair<std::string, std::string>> subjects_;  // DSSE key ID, subject
};

}  // namespace sifkit::sign
