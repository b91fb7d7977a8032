// A directory of trusted OpenPGP certificates managed by `sifkit key`: one file per certificate,
// named by its fingerprint (FINGERPRINT.gpg, the binary packets as imported), so that the same
// directory is also a `--keys-dir` for verify, stage and the Slurm plugin, and an admin can see
// and audit it with `ls` and gpg.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sifkit/sign/pgp.hpp"

namespace sifkit::sign {

class PgpKeyring {
  public:
    // The keyring directory `dir` (made, mode 0755, on the first import).
    explicit PgpKeyring(std::filesystem::path dir) : dir_(std::move(dir)) {}

    // The default directory: $SIFKIT_KEYRING, else $XDG_CONFIG_HOME/sifkit/keys, else
    // ~/.config/sifkit/keys.
    static std::filesystem::path default_dir();

    const std::filesystem::path& dir() const noexcept { return dir_; }
    // Every certificate, in fingerprint order (none when the directory does not exist yet).
    std::vector<PgpCertificate> list() const;

    enum class ImportResult { added, updated, unchanged };
    // Stores the certificate (atomically; a certificate already there is replaced by the one
    // given, which may carry newer self-signatures or a revocation).
    ImportResult import(const PgpCertificate& certificate);
    // The certificates `selector` names: a fingerprint (40 hex digits) or the end of one (16 hex
    // digits or more, a key ID), any case. A not_found Error when none does.
    std::vector<PgpCertificate> find(const std::string& selector) const;
    // Removes the certificates find() returns for `selector`; returns them.
    std::vector<PgpCertificate> remove(const std::string& selector);

  private:
    std::filesystem::path file_of(const PgpCertificate& certificate) const;

    std::filesystem::path dir_;
};

// The certificate as `gpg --armor --export` writes it.
std::string armored(const PgpCertificate& certificate);

}  // namespace sifkit::sign
