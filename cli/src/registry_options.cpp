#include "registry_options.hpp"

namespace sifkit::cli {

void RegistryCliOptions::add_to(CLI::App& command, bool with_creds) {
    command.add_option("--ca-file", ca_file, "Trust the CA certificates in this PEM file for TLS");
    command.add_flag("--insecure", insecure,
                     "Allow plain HTTP and TLS without certificate verification");
    if (with_creds) {
        command.add_option("--creds", creds,
                           "USER:PASSWORD for the registry (default: the auth files)");
    }
    command.add_option("--authfile", authfile,
                       "Auth file to use (default: $REGISTRY_AUTH_FILE, "
                       "$XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json...)");
    command.add_option("--retries", retries, "Retries of transient network failures")
        ->capture_default_str();
    command
        .add_option("--timeout", timeout, "Seconds without progress before a transfer is retried")
        ->capture_default_str();
}

registry::ClientOptions RegistryCliOptions::resolve() const {
    registry::ClientOptions options;
    if (!ca_file.empty()) {
        options.ca_file = ca_file;
    }
    options.insecure = insecure;
    if (!creds.empty()) {
        options.credentials = registry::Credentials::parse(creds);
    }
    options.auth_file = auth_file();
    options.retries = retries;
    options.stall_seconds = timeout;
    options.user_agent = std::string("sifkit/") + SIFKIT_VERSION;
    return options;
}

std::optional<std::filesystem::path> RegistryCliOptions::auth_file() const {
    if (authfile.empty()) {
        return std::nullopt;
    }
    return std::filesystem::path(authfile);
}

}  // namespace sifkit::cli
