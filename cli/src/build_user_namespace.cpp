#include "build_user_namespace.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sifkit/rootfs/sandbox.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::cli {
namespace {

namespace fs = std::filesystem;

// The caller's line in /etc/subuid or /etc/subgid ("NAME:START:COUNT" or "UID:START:COUNT").
bool has_subordinate_range(const char* file, const std::string& name, uid_t id) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        const auto colon = line.find(':');
        const std::string owner = line.substr(0, colon);
        if (colon != std::string::npos && (owner == name || owner == std::to_string(id))) {
            return true;
        }
    }
    return false;
}

bool on_path(const std::string& tool) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (!dir.empty() && ::access((dir + "/" + tool).c_str(), X_OK) == 0) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> own_arguments() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::vector<std::string> args;
    for (std::string arg; std::getline(in, arg, '\0');) {
        args.push_back(arg);
    }
    return args;
}

}  // namespace

void enter_build_user_namespace() {
    if (::geteuid() == 0 || rootfs::in_user_namespace()) {
        return;
    }
    const struct passwd* account = ::getpwuid(::getuid());
    const std::string name = account != nullptr ? account->pw_name : std::to_string(::getuid());
    if (!has_subordinate_range("/etc/subuid", name, ::getuid()) ||
        !has_subordinate_range("/etc/subgid", name, ::getuid())) {
        throw Error(ErrorKind::unsupported,
                    "a rootless build that runs commands needs subordinate IDs for " + name +
                        " in /etc/subuid and /etc/subgid (e.g. \"" + name +
                        ":100000:65536\", as for Apptainer's --fakeroot) and Debian's uidmap "
                        "package; or build as root");
    }
    for (const char* tool : {"unshare", "newuidmap", "newgidmap"}) {
        if (!on_path(tool)) {
            throw Error(ErrorKind::unsupported,
                        std::string("a rootless build that runs commands needs ") + tool +
                            " (Debian packages util-linux and uidmap); or build as root");
        }
    }
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    std::vector<std::string> args{
        "unshare",    "--user", "--map-root-user",
        "--map-auto", "--",     ec ? std::string("sifkit") : self.string()};
    const auto own = own_arguments();
    args.insert(args.end(), own.begin() + (own.empty() ? 0 : 1), own.end());
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    ::execvp("unshare", argv.data());
    throw Error(ErrorKind::unsupported,
                std::string("cannot run unshare (util-linux) for a rootless build: ") +
                    std::strerror(errno));
}

}  // namespace sifkit::cli
