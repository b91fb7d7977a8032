#include "passphrase.hpp"

#include <cstdlib>
#include <fstream>

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

}  // namespace sifkit::cli
