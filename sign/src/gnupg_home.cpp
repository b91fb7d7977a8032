#include "gnupg_home.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"

extern char** environ;

namespace sifkit::sign::detail {

TemporaryGnupgHome::TemporaryGnupgHome() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp == '/' ? tmp : "/tmp") + "/sifkit-gnupg-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {  // mode 0700, as gpg requires of a home
        throw_errno("cannot make a temporary GnuPG home", pattern);
    }
    path_ = pattern;
    // The reference signs with SHA-256; gpg's own preference for some keys is SHA-512.
    std::ofstream(path_ / "gpg.conf") << "personal-digest-preferences SHA256\n";
}

TemporaryGnupgHome::~TemporaryGnupgHome() {
    // Stop the agent gpg started for this home (it would otherwise outlive us, holding the
    // imported key in memory), then remove the home. Best effort: a destructor cannot fail.
    const std::string home = path_.string();
    const char* argv[] = {"gpgconf", "--homedir", home.c_str(), "--kill", "gpg-agent", nullptr};
    pid_t pid = 0;
    if (::posix_spawnp(&pid, "gpgconf", nullptr, nullptr, const_cast<char* const*>(argv),
                       environ) == 0) {
        int status = 0;
        (void)sif::retry_on_eintr([&] { return ::waitpid(pid, &status, 0); });
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace sifkit::sign::detail
