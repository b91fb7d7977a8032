#include "sifkit/registry/credentials.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sifkit/registry/reference.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/base64.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::registry {
namespace fs = std::filesystem;
namespace {

constexpr std::uintmax_t kMaxAuthFile = 4 << 20;

std::optional<std::string> env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    return std::string(value);
}

std::optional<fs::path> home() {
    if (auto h = env("HOME")) {
        return fs::path(*h);
    }
    return std::nullopt;
}

// Reads an auth file; nullopt when it does not exist.
std::optional<nlohmann::json> read_auth_file(const fs::path& file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        return std::nullopt;
    }
    const auto size = fs::file_size(file, ec);
    if (ec) {
        throw Error(ErrorKind::io, "cannot read the auth file: " + ec.message(), file.string());
    }
    if (size > kMaxAuthFile) {
        throw Error(ErrorKind::invalid_input, "auth file larger than 4 MiB", file.string());
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw_errno("cannot open the auth file", file.string());
    }
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find_first_not_of(" \t\r\n") == std::string::npos) {
        return nlohmann::json::object();  // podman leaves empty files behind
    }
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        throw Error(ErrorKind::invalid_input, "auth file is not a JSON object", file.string());
    }
    return json;
}

std::optional<Credentials> decode_entry(const nlohmann::json& entry, const fs::path& file,
                                        const std::string& key) {
    if (!entry.is_object()) {
        return std::nullopt;
    }
    if (const auto it = entry.find("auth");
        it != entry.end() && it->is_string() && !it->get<std::string>().empty()) {
        const auto bytes = sif::base64_decode(it->get<std::string>());
        const std::string decoded = bytes ? std::string(bytes->begin(), bytes->end()) : "";
        const auto colon = decoded.find(':');
        if (colon == std::string::npos) {
            throw Error(ErrorKind::invalid_input,
                        "entry \"" + key + "\" has an \"auth\" that is not base64(USER:PASSWORD)",
                        file.string());
        }
        return Credentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
    }
    const auto user = entry.find("username");
    const auto pass = entry.find("password");
    if (user != entry.end() && pass != entry.end() && user->is_string() && pass->is_string()) {
        return Credentials{user->get<std::string>(), pass->get<std::string>()};
    }
    return std::nullopt;
}

// The keys that may name `registry` in a file, exact spellings first.
std::vector<std::string> registry_keys(const std::string& registry) {
    std::vector<std::string> keys{registry,
                                  "https://" + registry,
                                  "http://" + registry,
                                  "https://" + registry + "/",
                                  "https://" + registry + "/v1/",
                                  "https://" + registry + "/v2/"};
    if (registry == "docker.io") {
        for (const char* legacy :
             {"https://index.docker.io/v1/", "index.docker.io", "https://index.docker.io",
              "registry-1.docker.io", "https://registry-1.docker.io"}) {
            keys.emplace_back(legacy);
        }
    }
    return keys;
}

}  // namespace

Credentials Credentials::parse(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        throw Error(ErrorKind::usage, "credentials must be USER:PASSWORD");
    }
    return Credentials{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

std::vector<fs::path> auth_files_to_read(const std::optional<fs::path>& explicit_file) {
    if (explicit_file) {
        return {*explicit_file};
    }
    if (auto file = env("REGISTRY_AUTH_FILE")) {
        return {fs::path(*file)};
    }
    std::vector<fs::path> files;
    if (auto runtime = env("XDG_RUNTIME_DIR")) {
        files.push_back(fs::path(*runtime) / "containers" / "auth.json");
    }
    if (auto h = home()) {
        files.push_back(*h / ".config" / "containers" / "auth.json");
        files.push_back(*h / ".docker" / "config.json");
    }
    return files;
}

fs::path auth_file_to_write(const std::optional<fs::path>& explicit_file) {
    if (explicit_file) {
        return *explicit_file;
    }
    if (auto file = env("REGISTRY_AUTH_FILE")) {
        return fs::path(*file);
    }
    if (auto runtime = env("XDG_RUNTIME_DIR")) {
        return fs::path(*runtime) / "containers" / "auth.json";
    }
    if (auto h = home()) {
        return *h / ".config" / "containers" / "auth.json";
    }
    throw Error(ErrorKind::usage,
                "no auth file location: set REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR or HOME, or "
                "give --authfile");
}

std::optional<FoundCredentials> find_credentials(const std::vector<fs::path>& files,
                                                 const std::string& registry,
                                                 const std::string& repository) {
    // Most specific first: HOST/a/b/c, HOST/a/b, HOST/a, then the host's own keys.
    std::vector<std::string> keys;
    std::string scope = registry + "/" + repository;
    while (true) {
        keys.push_back(scope);
        const auto slash = scope.rfind('/');
        if (slash == std::string::npos || slash <= registry.size()) {
            break;
        }
        scope.resize(slash);
    }
    for (auto& key : registry_keys(registry)) {
        keys.push_back(std::move(key));
    }
    for (const auto& file : files) {
        const auto json = read_auth_file(file);
        if (!json) {
            continue;
        }
        const auto auths = json->find("auths");
        if (auths == json->end() || !auths->is_object()) {
            continue;
        }
        for (const auto& key : keys) {
            const auto entry = auths->find(key);
            if (entry == auths->end()) {
                continue;
            }
            if (auto credentials = decode_entry(*entry, file, key)) {
                return FoundCredentials{std::move(*credentials), file, key};
            }
        }
    }
    return std::nullopt;
}

namespace {

void write_auth_file(const fs::path& file, const nlohmann::json& json) {
    if (file.has_parent_path()) {
        std::error_code ec;
        if (!fs::exists(file.parent_path(), ec)) {
            fs::create_directories(file.parent_path(), ec);
            if (ec) {
                throw Error(ErrorKind::io, "cannot create the directory: " + ec.message(),
                            file.parent_path().string());
            }
            ::chmod(file.parent_path().c_str(), 0700);
        }
    }
    sif::AtomicFile out(file, sif::AtomicFile::Overwrite::replace, 0600);
    const std::string text = json.dump(1, '\t') + "\n";
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(out.fd(), text.data() + done, text.size() - done);
        if (n < 0) {
            throw_errno("cannot write the auth file", file.string());
        }
        done += static_cast<std::size_t>(n);
    }
    out.commit();
}

}  // namespace

void store_credentials(const fs::path& file, const std::string& key,
                       const Credentials& credentials) {
    nlohmann::json json = read_auth_file(file).value_or(nlohmann::json::object());
    if (!json.contains("auths") || !json["auths"].is_object()) {
        json["auths"] = nlohmann::json::object();
    }
    nlohmann::json& auths = json["auths"];
    for (const auto& other : registry_keys(key)) {
        if (other != key) {
            auths.erase(other);
        }
    }
    nlohmann::json entry =
        auths.contains(key) && auths[key].is_object() ? auths[key] : nlohmann::json::object();
    entry.erase("username");
    entry.erase("password");
    entry["auth"] = sif::base64_encode(credentials.username + ":" + credentials.password);
    auths[key] = entry;
    write_auth_file(file, json);
}

bool remove_credentials(const fs::path& file, const std::string& key) {
    auto json = read_auth_file(file);
    if (!json || !json->contains("auths") || !(*json)["auths"].is_object()) {
        return false;
    }
    nlohmann::json& auths = (*json)["auths"];
    bool removed = false;
    for (const auto& spelling : registry_keys(key)) {
        removed = auths.erase(spelling) > 0 || removed;
    }
    if (removed) {
        write_auth_file(file, *json);
    }
    return removed;
}

}  // namespace sifkit::registry
