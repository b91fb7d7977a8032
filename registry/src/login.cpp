#include "sifkit/registry/login.hpp"

#include "sifkit/registry/reference.hpp"

namespace sifkit::registry {

std::filesystem::path login(const std::string& registry, const Credentials& credentials,
                            const ClientOptions& options,
                            const std::optional<std::filesystem::path>& auth_file) {
    const std::string key = normalize_registry(registry);
    ClientOptions checked = options;
    checked.credentials = credentials;
    Client client(key, "", checked);
    client.check_access();
    const auto file = auth_file_to_write(auth_file);
    store_credentials(file, key, credentials);
    return file;
}

std::optional<std::filesystem::path> logout(const std::string& registry,
                                            const std::optional<std::filesystem::path>& auth_file) {
    const std::string key = normalize_registry(registry);
    const auto file = auth_file_to_write(auth_file);
    if (!remove_credentials(file, key)) {
        return std::nullopt;
    }
    return file;
}

}  // namespace sifkit::registry
