#include "passphrase.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "sifkit/sif/unique_fd.hpp"

#include "sifkit/sif/error.hpp"

namespace sifkit::cli {

std::string read_passphrase(const std::string& file, const std::string& env_variable) {
    if (!file.empty()) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            throw Error(ErrorKind::io, "cannot open passphrase file", file);
        }
        std::string line;
        std::getline(in, line);
        return line;
    }
    if (!env_variable.empty()) {
        const char* value = std::getenv(env_variable.c_str());
        if (value == nullptr) {
            throw Error(ErrorKind::usage, "environment variable " + env_variable + " is not set");
        }
        return value;
    }
    return {};
}

std::optional<std::string> prompt_passphrase(const std::string& prompt) {
    sif::UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
    if (!tty) {
        return std::nullopt;
    }
    termios saved{};
    const bool is_terminal = ::tcgetattr(tty.get(), &saved) == 0;
    if (is_terminal) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
    }
    (void)!::write(tty.get(), prompt.data(), prompt.size());
    std::string line;
    char c = 0;
    while (::read(tty.get(), &c, 1) == 1 && c != '\n') {
        line += c;
    }
    if (is_terminal) {
        ::tcsetattr(tty.get(), TCSAFLUSH, &saved);
    }
    (void)!::write(tty.get(), "\n", 1);
    return line;
}

std::optional<std::string> cosign_passphrase(const std::string& prompt) {
    if (const char* value = std::getenv("COSIGN_PASSWORD"); value != nullptr) {
        return std::string(value);
    }
    return prompt_passphrase(prompt);
}

}  // namespace sifkit::cli
