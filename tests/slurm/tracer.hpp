// A process held at a chosen moment, for tests that kill a stage in the middle of its copy
// without any timing: it runs under ptrace and is stopped at the entry of the first write(2)
// into a file whose path contains a given text (its temporary copy). There the test kills it
// (SIGKILL, SIGTERM) or lets it go on. x86-64 and arm64 alike (PTRACE_GET_SYSCALL_INFO).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace slurm_test {

class TracedProcess {
  public:
    // Starts argv (argv[0] an absolute path) with this process's environment plus `env`
    // ("NAME=VALUE"), stdin from /dev/null, stdout and stderr into `log`.out and `log`.err.
    TracedProcess(const std::vector<std::string>& argv, const std::filesystem::path& log,
                  const std::vector<std::string>& env = {});
    // Attaches to a running process (as root: any process). It keeps running until
    // stop_at_write_to() and is detached (if still held) on destruction.
    explicit TracedProcess(pid_t running);
    ~TracedProcess();
    TracedProcess(const TracedProcess&) = delete;
    TracedProcess& operator=(const TracedProcess&) = delete;

    pid_t pid() const noexcept { return pid_; }
    // The wait status once it ended (own children only).
    int status() const noexcept { return status_; }

    // Lets it run until it enters write/pwrite64/writev on a descriptor whose path contains
    // `needle`, and holds it there: true. False when it ended first (see status()).
    bool stop_at_write_to(const std::string& needle);
    // SIGKILL now; returns the wait status (own children only, else 0).
    int kill_hard();
    // SIGTERM, delivered as soon as the held system call returns; the process runs on
    // untraced. Returns the wait status (own children only, else 0).
    int terminate();
    // Lets it run on untraced; returns the wait status (own children only, else 0).
    int finish();
    // For an attached process: waits until SIGTERM reaches it, passes it on and detaches.
    // False when it ended some other way first.
    bool pass_on_sigterm();

  private:
    int wait_for_end();
    bool resume_until_stop(int signal, int& status);
    void ended(int status);
    pid_t pid_ = -1;
    bool child_ = false;
    bool attached_ = false;
    bool ended_ = false;
    int status_ = 0;
};

}  // namespace slurm_test
