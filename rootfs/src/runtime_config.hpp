// The OCI runtime configuration (config.json) sifkit gives runc: for `sifkit bundle` (the image's
// process, a read-only root, the few capabilities `runc spec` grants) and for a build's %post and
// %test (a writable root, the capabilities of root in a container, host files bound in). One
// home, so that both follow the same mounts and namespaces.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sifkit::rootfs::detail {

struct RuntimeBind {
    std::string source;       // host path
    std::string destination;  // path in the container
    bool read_only = true;
};

struct RuntimeConfig {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd = "/";
    std::string root_path = "rootfs";  // relative to the bundle, or absolute
    bool writable = false;
    // Root in a container (Docker's default set: chown, setuid, mknod...) instead of the three
    // capabilities `runc spec` gives; a build's %post installs packages and creates users.
    bool build_capabilities = false;
    bool no_new_privileges = true;
    std::vector<RuntimeBind> binds;
};

nlohmann::json runtime_config(const RuntimeConfig& config);

}  // namespace sifkit::rootfs::detail
