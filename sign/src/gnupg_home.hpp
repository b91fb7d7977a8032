// A private, throwaway GnuPG home directory (mode 0700 under $TMPDIR): where a secret key file
// is imported for signing, so that the user's own keyrings are never touched. Removing it
// first stops the gpg-agent that gpg started for it.
#pragma once

#include <filesystem>

namespace sifkit::sign::detail {

class TemporaryGnupgHome {
  public:
    TemporaryGnupgHome();
    ~TemporaryGnupgHome();
    TemporaryGnupgHome(const TemporaryGnupgHome&) = delete;
    TemporaryGnupgHome& operator=(const TemporaryGnupgHome&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace sifkit::sign::detail
