// runc as the build sandbox: write config.json, start `runc run`, wait (sifkit/rootfs/sandbox.hpp).
#include "sifkit/rootfs/sandbox.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime_config.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "sifkit/sif/unique_fd.hpp"
#include "staging.hpp"

namespace sifkit::rootfs {
namespace {

namespace fs = std::filesystem;

// The signals the CLI cleans up on: held back while runc runs; they end the container.
sigset_t terminating_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}

// In the child: stdin from /dev/null, the parent's signal mask undone, then runc. An exec failure
// goes back through `report` (close-on-exec: the parent reads EOF when exec succeeded).
[[noreturn]] void exec_runc(const std::vector<std::string>& argv, const sigset_t& old_mask,
                            int report) {
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) {
        ::dup2(null, STDIN_FILENO);
    }
    std::vector<char*> args;
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    const int error = errno;
    [[maybe_unused]] const ssize_t n = ::write(report, &error, sizeof error);
    ::_exit(127);
}

// Runs a short runc command (`runc kill`) to its end; its failure is not an error (the container
// may be gone already).
void run_runc_quietly(const std::vector<std::string>& argv) {
    const pid_t child = ::fork();
    if (child == 0) {
        const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
            ::dup2(null, STDIN_FILENO);
            ::dup2(null, STDOUT_FILENO);
            ::dup2(null, STDERR_FILENO);
        }
        std::vector<char*> args;
        for (const auto& arg : argv) {
            args.push_back(const_cast<char*>(arg.c_str()));
        }
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    if (child > 0) {
        sif::retry_on_eintr([&] { return ::waitpid(child, &status, 0); });
    }
}

// Waits for `child` (`runc run`). A terminating signal sent to this process meanwhile ends the
// container: the command runs as its PID 1, which the kernel shields from every signal but
// SIGKILL, so passing SIGINT on would not stop `sleep` or `make`; `runc kill ... KILL` does,
// and with it every process of the container. Returns the wait status and the signal received
// (0 when none).
std::pair<int, int> wait_or_kill(pid_t child, const sigset_t& held,
                                 const std::vector<std::string>& kill_command) {
    int received = 0;
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(child, &status, WNOHANG);
        if (done == child) {
            return {status, received};
        }
        if (done < 0 && errno != EINTR) {
            throw Error(ErrorKind::internal, std::string("waitpid: ") + std::strerror(errno));
        }
        const struct timespec tick { 0, 50'000'000 };
        const int signal_number = ::sigtimedwait(&held, nullptr, &tick);
        if (signal_number > 0) {
            received = signal_number;
            run_runc_quietly(kill_command);
        }
    }
}

}  // namespace

int run_in_root(const fs::path& rootfs, const SandboxRun& run) {
    // A tree on a noexec mount (a hardened /tmp) would run nothing: say so before runc fails
    // with "permission denied" on the command.
    struct statvfs mount {};
    if (::statvfs(rootfs.c_str(), &mount) == 0 && (mount.f_flag & ST_NOEXEC) != 0) {
        throw Error(ErrorKind::unsupported,
                    "the build's work directory is on a file system mounted noexec, where "
                    "nothing can run; put it on another one (sifkit build --tmpdir DIR)",
                    rootfs.string());
    }
    const fs::path bundle = run.work / ("bundle-" + run.name);
    const fs::path state = run.work / "runc-state";
    std::error_code ec;
    fs::create_directories(bundle, ec);
    if (!ec) {
        fs::create_directories(state, ec);
    }
    if (ec) {
        throw Error(ErrorKind::io, "cannot create: " + ec.message(), bundle.string());
    }
    detail::RuntimeConfig config;
    config.args = run.args;
    config.env = run.env;
    config.cwd = run.cwd;
    config.root_path = fs::absolute(rootfs).string();
    config.writable = true;
    config.build_capabilities = true;
    config.no_new_privileges = false;  // %post may call su, sudo or setuid helpers
    for (const SandboxBind& bind : run.binds) {
        config.binds.push_back(
            {fs::absolute(bind.source).string(), bind.destination, bind.read_only});
    }
    fs::remove(bundle / "config.json", ec);
    write_whole_file(bundle / "config.json", detail::runtime_config(config).dump(2) + "\n");

    const std::vector<std::string> argv{"runc",     "--root",        state.string(), "run",
                                        "--bundle", bundle.string(), run.name};
    int report_pipe[2];
    if (::pipe2(report_pipe, O_CLOEXEC) != 0) {
        throw_errno("cannot create a pipe for", "runc");
    }
    sif::UniqueFd report_read(report_pipe[0]);
    sif::UniqueFd report_write(report_pipe[1]);
    const sigset_t held = terminating_signals();
    sigset_t old_mask;
    ::sigprocmask(SIG_BLOCK, &held, &old_mask);
    const pid_t child = ::fork();
    if (child == 0) {
        exec_runc(argv, old_mask, report_write.get());
    }
    if (child < 0) {
        const int error = errno;
        ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
        throw Error(ErrorKind::io, std::string("cannot start runc: ") + std::strerror(error));
    }
    report_write.reset();
    std::pair<int, int> waited{0, 0};
    try {
        waited =
            wait_or_kill(child, held, {"runc", "--root", state.string(), "kill", run.name, "KILL"});
    } catch (...) {
        ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
        throw;
    }
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    if (waited.second != 0) {
        // Interrupted: the CLI's handler removes the work tree now that runc is gone.
        ::raise(waited.second);
    }
    int exec_error = 0;
    if (::read(report_read.get(), &exec_error, sizeof exec_error) ==
        static_cast<ssize_t>(sizeof exec_error)) {
        throw Error(exec_error == ENOENT ? ErrorKind::unsupported : ErrorKind::io,
                    std::string("cannot run runc (") + std::strerror(exec_error) +
                        "): a build with %post, %appinstall or %test needs it (Debian package "
                        "runc)");
    }
    const int status = waited.first;
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

bool in_user_namespace() {
    std::ifstream map("/proc/self/uid_map");
    std::uint64_t inside = 0;
    std::uint64_t outside = 0;
    std::uint64_t count = 0;
    if (!(map >> inside >> outside >> count)) {
        return false;
    }
    // The initial namespace maps every ID to itself in one line.
    return !(inside == 0 && outside == 0 && count == 4294967295ULL);
}

}  // namespace sifkit::rootfs
