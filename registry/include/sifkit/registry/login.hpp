// `sifkit login` / `logout`: credentials checked against the registry, then kept in the auth
// file podman and skopeo use (see credentials.hpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "sifkit/registry/client.hpp"
#include "sifkit/registry/credentials.hpp"

namespace sifkit::registry {

// Checks `credentials` on `registry` (GET /v2/ with the registry's authentication) and stores
// them; returns the file written. A denied Error when the registry refuses them.
std::filesystem::path login(const std::string& registry, const Credentials& credentials,
                            const ClientOptions& options,
                            const std::optional<std::filesystem::path>& auth_file);

// Removes the registry's entry; the file it was removed from, nullopt when there was none.
std::optional<std::filesystem::path> logout(const std::string& registry,
                                            const std::optional<std::filesystem::path>& auth_file);

}  // namespace sifkit::registry
