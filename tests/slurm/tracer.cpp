#include "tracer.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace slurm_test {
namespace {

constexpr int kSyscallStop = SIGTRAP | 0x80;  // PTRACE_O_TRACESYSGOOD

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

long trace(enum __ptrace_request request, pid_t pid, void* address, long data) {
    return ::ptrace(request, pid, address, reinterpret_cast<void*>(data));
}

bool is_write(unsigned long long nr) {
    return nr == SYS_write || nr == SYS_pwrite64 || nr == SYS_writev || nr == SYS_pwritev;
}

std::string fd_path(pid_t pid, unsigned long long fd) {
    const std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
    char target[4096];
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : std::string();
}

// Whether SIGTERM waits for the process (its own pending set or its thread group's).
bool sigterm_pending(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.starts_with("SigPnd:") || line.starts_with("ShdPnd:")) {
            const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
            if ((mask & (1ULL << (SIGTERM - 1))) != 0) {
                return true;
            }
        }
    }
    return false;
}

void run_child(const std::vector<std::string>& argv, const std::filesystem::path& log,
               const std::vector<std::string>& env) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open((log.string() + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open((log.string() + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 ||
        ::dup2(err, 2) < 0) {
        ::_exit(126);
    }
    for (const std::string& e : env) {
        ::putenv(const_cast<char*>(e.c_str()));
    }
    std::vector<char*> args;
    for (const std::string& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) {
        ::_exit(126);
    }
    ::raise(SIGSTOP);  // the tracer sets its options here
    ::execve(args[0], args.data(), environ);
    ::_exit(127);
}

}  // namespace

TracedProcess::TracedProcess(const std::vector<std::string>& argv, const std::filesystem::path& log,
                             const std::vector<std::string>& env)
    : child_(true) {
    pid_ = ::fork();
    if (pid_ < 0) {
        fail("fork");
    }
    if (pid_ == 0) {
        run_child(argv, log, env);
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_ || !WIFSTOPPED(status)) {
        fail("the traced child did not stop");
    }
    attached_ = true;
    if (trace(PTRACE_SETOPTIONS, pid_, nullptr,
              PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | PTRACE_O_TRACEEXEC) != 0) {
        fail("PTRACE_SETOPTIONS");
    }
}

TracedProcess::TracedProcess(pid_t running) : pid_(running) {
    int status = 0;
    if (trace(PTRACE_SEIZE, pid_, nullptr, PTRACE_O_TRACESYSGOOD) != 0 ||
        trace(PTRACE_INTERRUPT, pid_, nullptr, 0) != 0 ||
        ::waitpid(pid_, &status, __WALL) != pid_ || !WIFSTOPPED(status)) {
        fail("cannot attach to process " + std::to_string(running));
    }
    attached_ = true;
}

TracedProcess::~TracedProcess() {
    if (child_ && !ended_) {
        kill_hard();
    } else if (attached_ && !ended_) {
        // Held in a stop (after stop_at_write_to) or running: detaching needs a stop.
        int status = 0;
        if (trace(PTRACE_DETACH, pid_, nullptr, 0) != 0 &&
            trace(PTRACE_INTERRUPT, pid_, nullptr, 0) == 0 &&
            ::waitpid(pid_, &status, __WALL) == pid_ && WIFSTOPPED(status)) {
            trace(PTRACE_DETACH, pid_, nullptr, 0);
        }
    }
}

void TracedProcess::ended(int status) {
    attached_ = false;
    ended_ = true;
    status_ = status;
}

bool TracedProcess::resume_until_stop(int signal, int& status) {
    if (trace(PTRACE_SYSCALL, pid_, nullptr, signal) != 0) {
        fail("PTRACE_SYSCALL");
    }
    if (::waitpid(pid_, &status, __WALL) != pid_) {
        fail("waitpid");
    }
    if (!WIFSTOPPED(status)) {
        ended(status);
        return false;
    }
    return true;
}

bool TracedProcess::stop_at_write_to(const std::string& needle) {
    int inject = 0;
    for (;;) {
        int status = 0;
        if (!resume_until_stop(inject, status)) {
            return false;
        }
        inject = 0;
        const int signal = WSTOPSIG(status);
        if (signal == kSyscallStop) {
            __ptrace_syscall_info info{};
            if (trace(PTRACE_GET_SYSCALL_INFO, pid_, reinterpret_cast<void*>(sizeof info),
                      reinterpret_cast<long>(&info)) <= 0) {
                fail("PTRACE_GET_SYSCALL_INFO");
            }
            if (info.op == PTRACE_SYSCALL_INFO_ENTRY && is_write(info.entry.nr) &&
                fd_path(pid_, info.entry.args[0]).find(needle) != std::string::npos) {
                return true;
            }
        } else if ((status >> 16) == 0 && signal != SIGTRAP && signal != SIGSTOP) {
            inject = signal;  // a signal of its own: deliver it
        }
    }
}

int TracedProcess::wait_for_end() {
    if (!child_ || ended_) {
        return status_;
    }
    int status = 0;
    while (::waitpid(pid_, &status, __WALL) < 0) {
        if (errno != EINTR) {
            fail("waitpid");
        }
    }
    // A traced child reports stops too; killed or detached, it only ends now.
    if (WIFSTOPPED(status)) {
        return wait_for_end();
    }
    ended(status);
    return status;
}

int TracedProcess::kill_hard() {
    ::kill(pid_, SIGKILL);
    return wait_for_end();
}

bool TracedProcess::pass_on_sigterm() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!sigterm_pending(pid_)) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG | __WALL) == pid_ && !WIFSTOPPED(status)) {
            ended(status);  // some other way (SIGKILL acts on a held process too)
            return false;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (;;) {
        int status = 0;
        if (!resume_until_stop(0, status)) {
            return false;
        }
        if ((status >> 16) == 0 && WSTOPSIG(status) == SIGTERM) {
            trace(PTRACE_DETACH, pid_, nullptr, SIGTERM);
            attached_ = false;
            return true;
        }
    }
}

int TracedProcess::terminate() {
    ::kill(pid_, SIGTERM);
    pass_on_sigterm();
    return wait_for_end();
}

int TracedProcess::finish() {
    trace(PTRACE_DETACH, pid_, nullptr, 0);
    attached_ = false;
    return wait_for_end();
}

}  // namespace slurm_test
