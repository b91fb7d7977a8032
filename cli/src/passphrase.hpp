// Passphrases for encrypted private keys: from a file (first line) or an environment variable.
#pragma once

#include <optional>
#include <string>

namespace sifkit::cli {

// Empty when neither source is given.
std::string read_passphrase(const std::string& file, const std::string& env_variable);

// Asks on the terminal (/dev/tty, echo off) with `prompt`; nullopt when there is no terminal
// (a batch job: the passphrase must then come from a file or the environment).
std::optional<std::string> prompt_passphrase(const std::string& prompt);

// The passphrase of a cosign key as cosign finds it: the COSIGN_PASSWORD environment variable
// when it is set (an empty value is an empty passphrase), else asked on the terminal with
// `prompt`; nullopt when neither is available.
std::optional<std::string> cosign_passphrase(const std::string& prompt);

}  // namespace sifkit::cli
