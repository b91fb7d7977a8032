// Throwaway GnuPG homes for the signing tests: generate or import keys, export them armored.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sifkit/test/support.hpp"

namespace interop {

class GpgHome {
  public:
    GpgHome();
    // Runs gpg in this home (batch, no passphrase prompts), feeding `input` (for --command-fd 0)
    // on its standard input; REQUIREs success.
    std::string gpg(const std::vector<std::string>& args,
                    const std::optional<std::string>& input = std::nullopt) const;
    // Generates a signing-only primary key ("ed25519", "rsa2048"...) for the user ID.
    void generate(const std::string& user_id, const std::string& algorithm) const;
    void import(const std::string& armored_file) const;
    std::string export_public(const std::string& user_id) const;  // armored
    std::string export_secret(const std::string& user_id) const;  // armored, unprotected
    // Writes `text` to a file in the home and returns its path.
    std::string write(const std::string& name, const std::string& text) const;
    // The GNUPGHOME directory (gpg keeps revocation certificates in openpgp-revocs.d/).
    const std::filesystem::path& path() const noexcept { return dir_.path(); }

  private:
    sifkit::test::TempDir dir_{"sifkit-gpg"};
};

}  // namespace interop
