#include "sifkit/rootfs/bundle.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "sifkit/rootfs/image_root.hpp"
#include "sifkit/rootfs/inspect.hpp"
#include "sifkit/sif/error.hpp"
#include "staging.hpp"
#include "unpack_into.hpp"

namespace sifkit::rootfs {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::vector<std::string> strings(const Json& runtime, const char* key) {
    std::vector<std::string> out;
    if (runtime.contains(key) && runtime[key].is_array()) {
        for (const Json& item : runtime[key]) {
            if (item.is_string()) {
                out.push_back(item.get<std::string>());
            }
        }
    }
    return out;
}

Json mount(const char* destination, const char* type, const char* source,
           std::vector<std::string> options) {
    Json out{{"destination", destination}, {"type", type}, {"source", source}};
    if (!options.empty()) {
        out["options"] = options;
    }
    return out;
}

Json runtime_config(const BundleProcess& process, bool writable) {
    const bool rootless = ::geteuid() != 0;
    const Json capabilities = Json::array({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
    Json config;
    config["ociVersion"] = "1.0.2";
    config["process"] = Json{
        {"terminal", false},
        {"user", Json{{"uid", 0}, {"gid", 0}}},
        {"args", process.args},
        {"env", process.env},
        {"cwd", process.cwd},
        {"capabilities", Json{{"bounding", capabilities},
                              {"effective", capabilities},
                              {"permitted", capabilities},
                              {"ambient", capabilities}}},
        {"rlimits", Json::array({Json{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
        {"noNewPrivileges", true}};
    config["root"] = Json{{"path", "rootfs"}, {"readonly", !writable}};
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

}  // namespace

BundleProcess bundle_process(const sif::Image& image, const std::vector<std::string>& extra_args) {
    const ImageMetadata metadata = read_metadata(image);
    BundleProcess process;
    if (metadata.config) {
        const Json runtime = Json::parse(*metadata.config, nullptr, false);
        if (runtime.is_discarded() || !runtime.is_object()) {
            throw Error(ErrorKind::invalid_input, "the image's OCI config is not a JSON object",
                        image.name());
        }
        process.args = strings(runtime, "Entrypoint");
        const std::vector<std::string> cmd =
            extra_args.empty() ? strings(runtime, "Cmd") : extra_args;
        process.args.insert(process.args.end(), cmd.begin(), cmd.end());
        process.env = strings(runtime, "Env");
        if (runtime.contains("WorkingDir") && runtime["WorkingDir"].is_string() &&
            !runtime["WorkingDir"].get<std::string>().empty()) {
            process.cwd = runtime["WorkingDir"].get<std::string>();
        }
    } else if (metadata.runscript) {
        // Apptainer's run action sources the environment scripts first; without it (very old
        // images) the runscript runs alone.
        bool has_action = false;
        try {
            has_action = open_root(image).stat("/.singularity.d/actions/run", true).type ==
                         FileType::regular;
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::not_found) {
                throw;
            }
        }
        process.args = has_action
                           ? std::vector<std::string>{"/.singularity.d/actions/run"}
                           : std::vector<std::string>{"/bin/sh", "/.singularity.d/runscript"};
        process.args.insert(process.args.end(), extra_args.begin(), extra_args.end());
    } else {
        process.args = extra_args;
    }
    if (process.args.empty()) {
        throw Error(ErrorKind::invalid_input,
                    "the image defines nothing to run (no entrypoint, command or runscript); "
                    "give the command as arguments",
                    image.name());
    }
    const bool has_path =
        std::any_of(process.env.begin(), process.env.end(),
                    [](const std::string& e) { return e.rfind("PATH=", 0) == 0; });
    if (!has_path) {
        process.env.insert(process.env.begin(), kDefaultPath);
    }
    return process;
}

UnpackReport make_bundle(const sif::Image& image, const fs::path& directory,
                         const BundleOptions& options) {
    const BundleProcess process = bundle_process(image, options.args);
    const SquashfsImage root = open_root(image);
    StagingDirectory staging(directory, options.overwrite);
    // The bundle is staged whole, so its rootfs needs no staging of its own.
    const fs::path rootfs = staging.path() / "rootfs";
    if (::mkdir(rootfs.c_str(), 0700) != 0) {
        throw_errno("cannot create", (staging.destination() / "rootfs").string());
    }
    UnpackOptions unpack;
    unpack.devices = options.devices;
    unpack.setuid = options.setuid;
    unpack.xattrs = options.xattrs;
    UnpackReport report =
        unpack_into(root, rootfs, (staging.destination() / "rootfs").string(), unpack);
    write_whole_file(staging.path() / "config.json",
                     runtime_config(process, options.writable).dump(2) + "\n");
    if (const auto left = staging.commit()) {
        report.replaced_tree_left = left->string();
    }
    return report;
}

}  // namespace sifkit::rootfs
