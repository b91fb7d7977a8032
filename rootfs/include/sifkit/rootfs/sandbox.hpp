// Running commands inside an unpacked root file system, for a build's %post, %appinstall and
// %test: runc (Debian's `runc`, the runtime `sifkit bundle` targets) runs them in their own
// mount, PID, IPC and UTS namespaces with root's usual capabilities, sharing the host's network
// as Apptainer's build does. sifkit only writes the runtime configuration and waits; it does not
// set up namespaces itself.
//
// Rootless: run inside a user namespace that maps the caller to root and its /etc/subuid range
// to the IDs above (what `unshare --map-root-user --map-auto` makes, as Apptainer's --fakeroot);
// runc then uses it as it is. The CLI starts that namespace (docs/build.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::rootfs {

struct SandboxBind {
    std::filesystem::path source;  // on the host
    std::string destination;       // in the container; must exist there
    bool read_only = true;
};

struct SandboxRun {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd = "/";
    std::vector<SandboxBind> binds;
    // runc's state and the bundle's config.json go here (a directory of the caller's).
    std::filesystem::path work;
    std::string name;  // the container's name, unique among runs sharing `work`
};

// Runs `run.args` with `rootfs` (writable) as the root; the process shares the caller's standard
// streams (stdin is /dev/null). Returns its exit status, or 128 + N when signal N ended it.
// Throws sifkit::Error when runc cannot be started (not installed: unsupported). While it runs,
// SIGINT/SIGTERM/SIGHUP are held back in the caller: one of them kills the container (`runc kill
// ... KILL`: the command is the container's PID 1, which ignores other signals), and is delivered
// once runc has exited, so that the caller's handler cleans up after the container and not under
// it.
int run_in_root(const std::filesystem::path& rootfs, const SandboxRun& run);

// True when this process runs in a user namespace other than the initial one: root there may
// not create device nodes, and files get owners only within its ID mapping.
bool in_user_namespace();

// A private working tree (a build's unpacked root file system, runc's state): created 0700 as
// PARENT/PREFIX-RANDOM, removed whole when the object goes and by the CLI's signal handler
// (remove_pending_output_directories), whatever the modes inside.
class WorkDirectory {
  public:
    WorkDirectory(const std::filesystem::path& parent, std::string_view prefix);
    ~WorkDirectory();
    WorkDirectory(const WorkDirectory&) = delete;
    WorkDirectory& operator=(const WorkDirectory&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    // Bytes the tree occupies on disk (allocated blocks), hardlinked files counted once.
    std::uint64_t disk_usage() const;
    // True when the destructor could remove all of it (false before that).
    bool removed() const noexcept { return removed_; }
    // Removes it now; returns false when something was left.
    bool remove() noexcept;

  private:
    std::filesystem::path path_;
    int registry_slot_ = -1;
    bool removed_ = false;
};

}  // namespace sifkit::rootfs
