// Passphrases for encrypted private keys: from a file (first line) or an environment variable.
#pragma once

#include <string>

namespace sifkit::cli {

// Empty when neither source is given.
std::string read_passphrase(const std::string& file, const std::string& env_variable);

}  // namespace sifkit::cli
