// Running a child process with captured output (fork/exec, pipes, poll).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "sifkit/test/support.hpp"

extern char** environ;

namespace sifkit::test {
namespace {

void close_fd(int& fd) noexcept {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

void make_pipe(int fds[2]) {
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
}

}  // namespace

std::string RunResult::describe() const {
    std::string text = command + " -> exit " + std::to_string(exit_code);
    if (!err.empty()) {
        text += "\nstderr: " + err;
    }
    return text;
}

std::optional<std::filesystem::path> find_in_path(std::string_view name) {
    if (name.find('/') != std::string_view::npos) {
        return std::filesystem::path(name);
    }
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
        const auto colon = dirs.find(':');
        const std::string_view dir = dirs.substr(0, colon);
        std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) {
            return candidate;
        }
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        dirs.remove_prefix(colon + 1);
    }
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
    if (argv.empty()) {
        throw std::runtime_error("run: empty argv");
    }
    RunResult result;
    for (const auto& arg : argv) {
        if (!result.command.empty()) {
            result.command += ' ';
        }
        result.command += arg;
    }
    const auto program = find_in_path(argv[0]);
    if (!program) {
        result.exit_code = 127;
        result.err = argv[0] + ": not found in PATH";
        return result;
    }

    // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
    std::vector<std::string> env_storage;
    for (char** e = environ; *e != nullptr; ++e) {
        env_storage.emplace_back(*e);
    }
    for (const auto& change : options.env) {
        const auto eq = change.find('=');
        const std::string key = change.substr(0, eq) + "=";
        std::erase_if(env_storage, [&](const std::string& v) { return v.starts_with(key); });
        if (eq != std::string::npos) {
            env_storage.push_back(change);
        }
    }
    std::vector<char*> envp;
    for (auto& e : env_storage) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> argp;
    for (auto& a : args) {
        argp.push_back(a.data());
    }
    argp.push_back(nullptr);
    const std::string program_path = program->string();
    const std::string cwd = options.cwd ? options.cwd->string() : std::string();

    int in_pipe[2] = {-1, -1};
    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    make_pipe(out_pipe);
    make_pipe(err_pipe);
    if (options.stdin_data) {
        make_pipe(in_pipe);
    }

    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
        int in_fd = in_pipe[0];
        if (in_fd < 0) {
            in_fd = ::open("/dev/null", O_RDONLY);
        }
        if (in_fd < 0 || ::dup2(in_fd, 0) < 0 || ::dup2(out_pipe[1], 1) < 0 ||
            ::dup2(err_pipe[1], 2) < 0) {
            ::_exit(127);
        }
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
            ::_exit(127);
        }
        ::signal(SIGPIPE, SIG_DFL);
        ::execve(program_path.c_str(), argp.data(), envp.data());
        ::_exit(127);
    }

    close_fd(out_pipe[1]);
    close_fd(err_pipe[1]);
    close_fd(in_pipe[0]);
    int in_fd = in_pipe[1];
    int out_fd = out_pipe[0];
    int err_fd = err_pipe[0];
    std::size_t written = 0;
    const std::string_view input = options.stdin_data ? *options.stdin_data : std::string_view();
    if (in_fd >= 0 && input.empty()) {
        close_fd(in_fd);
    }
    // Writing to a child that exited must not kill the test process.
    struct sigaction ignore {};
    struct sigaction previous {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &previous);

    std::array<char, 65536> buffer{};
    while (out_fd >= 0 || err_fd >= 0 || in_fd >= 0) {
        std::array<pollfd, 3> fds{};
        nfds_t count = 0;
        if (out_fd >= 0) {
            fds[count++] = pollfd{out_fd, POLLIN, 0};
        }
        if (err_fd >= 0) {
            fds[count++] = pollfd{err_fd, POLLIN, 0};
        }
        if (in_fd >= 0) {
            fds[count++] = pollfd{in_fd, POLLOUT, 0};
        }
        if (::poll(fds.data(), count, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        for (nfds_t i = 0; i < count; ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            if (fds[i].fd == in_fd) {
                const ssize_t n = ::write(in_fd, input.data() + written, input.size() - written);
                if (n < 0 && errno != EINTR && errno != EAGAIN) {
                    close_fd(in_fd);
                } else if (n > 0) {
                    written += static_cast<std::size_t>(n);
                    if (written == input.size()) {
                        close_fd(in_fd);
                    }
                }
                continue;
            }
            const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) {
                continue;
            }
            std::string& sink = fds[i].fd == out_fd ? result.out : result.err;
            if (n <= 0) {
                if (fds[i].fd == out_fd) {
                    close_fd(out_fd);
                } else {
                    close_fd(err_fd);
                }
            } else {
                sink.append(buffer.data(), static_cast<std::size_t>(n));
            }
        }
    }
    ::sigaction(SIGPIPE, &previous, nullptr);

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
        }
    }
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.exit_code = 128 + WTERMSIG(status);
    }
    return result;
}

}  // namespace sifkit::test
