// What the registry commands (pull, push, login) share: TLS, credentials, retries, the cache.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include "cli11.hpp"

#include "sifkit/registry/client.hpp"

namespace sifkit::cli {

struct RegistryCliOptions {
    std::string ca_file;
    bool insecure = false;
    std::string creds;
    std::string authfile;
    unsigned retries = 4;
    unsigned timeout = 60;

    // --ca-file, --insecure, --authfile, --retries, --timeout, and --creds when `with_creds`.
    void add_to(CLI::App& command, bool with_creds = true);
    registry::ClientOptions resolve() const;
    std::optional<std::filesystem::path> auth_file() const;
};

}  // namespace sifkit::cli
