#include "runtime_config.hpp"

#include <unistd.h>

namespace sifkit::rootfs::detail {
namespace {

using Json = nlohmann::json;

Json mount(const std::string& destination, const char* type, const std::string& source,
           std::vector<std::string> options) {
    Json out{{"destination", destination}, {"type", type}, {"source", source}};
    if (!options.empty()) {
        out["options"] = options;
    }
    return out;
}

Json capabilities(bool build) {
    if (!build) {
        return Json::array({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
    }
    // Docker's default set for root in a container.
    return Json::array({"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER",
                        "CAP_FSETID", "CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE",
                        "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID",
                        "CAP_SYS_CHROOT"});
}

}  // namespace

Json runtime_config(const RuntimeConfig& spec) {
    // Outside a user namespace a non-root caller needs one of runc's own (`runc spec
    // --rootless`); root in a user namespace (a rootless build) already has one.
    const bool rootless = ::geteuid() != 0;
    const Json caps = capabilities(spec.build_capabilities);
    Json config;
    config["ociVersion"] = "1.0.2";
    config["process"] = Json{
        {"terminal", false},
        {"user", Json{{"uid", 0}, {"gid", 0}}},
        {"args", spec.args},
        {"env", spec.env},
        {"cwd", spec.cwd},
        {"capabilities",
         Json{{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
        {"rlimits", Json::array({Json{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
        {"noNewPrivileges", spec.no_new_privileges}};
    config["root"] = Json{{"path", spec.root_path}, {"readonly", !spec.writable}};
    config["hostname"] = "sifkit";
    Json mounts = Json::array();
    mounts.push_back(mount("/proc", "proc", "proc", {}));
    mounts.push_back(
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}));
    mounts.push_back(mount("/dev/pts", "devpts", "devpts",
                           {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}));
    mounts.push_back(mount("/dev/shm", "tmpfs", "shm",
                           {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
    mounts.push_back(mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
    // A bind of the host's /sys works with and without a user namespace.
    mounts.push_back(mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}));
    mounts.push_back(mount("/tmp", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=1777"}));
    for (const RuntimeBind& bind : spec.binds) {
        std::vector<std::string> options{"rbind", "nosuid", "nodev"};
        if (bind.read_only) {
            options.emplace_back("ro");
        }
        mounts.push_back(mount(bind.destination, "none", bind.source, options));
    }
    config["mounts"] = mounts;
    Json namespaces = Json::array({Json{{"type", "pid"}}, Json{{"type", "ipc"}},
                                   Json{{"type", "uts"}}, Json{{"type", "mount"}}});
    Json linux_section;
    if (rootless) {
        namespaces.push_back(Json{{"type", "user"}});
        linux_section["uidMappings"] =
            Json::array({Json{{"containerID", 0}, {"hostID", ::geteuid()}, {"size", 1}}});
        linux_section["gidMappings"] =
            Json::array({Json{{"containerID", 0}, {"hostID", ::getegid()}, {"size", 1}}});
    }
    linux_section["namespaces"] = namespaces;
    linux_section["maskedPaths"] =
        Json::array({"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                     "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                     "/proc/sched_debug", "/sys/firmware", "/proc/scsi"});
    linux_section["readonlyPaths"] =
        Json::array({"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"});
    config["linux"] = linux_section;
    return config;
}

}  // namespace sifkit::rootfs::detail
