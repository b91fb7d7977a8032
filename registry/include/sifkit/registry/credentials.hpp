// Registry credentials in the files podman, skopeo, buildah and docker read and write
// (containers-auth.json(5) and docker's config.json):
//   {"auths": {"HOST[:PORT][/NAMESPACE...]": {"auth": base64("USER:PASSWORD")}}}
// Other members (credsStore, credHelpers, HttpHeaders...) are kept as they are when sifkit
// writes a file; credential helpers are not run.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sifkit::registry {

struct Credentials {
    std::string username;
    std::string password;

    // "USER:PASSWORD" as --creds takes it (the password may contain ':'); a usage Error
    // otherwise.
    static Credentials parse(std::string_view text);
};

// The files read for credentials, first match wins, as podman reads them: `explicit_file`
// alone when given, else $REGISTRY_AUTH_FILE alone when set, else
// ${XDG_RUNTIME_DIR}/containers/auth.json, ~/.config/containers/auth.json and
// ~/.docker/config.json (those that exist).
std::vector<std::filesystem::path> auth_files_to_read(
    const std::optional<std::filesystem::path>& explicit_file);

// The file `sifkit login` writes: `explicit_file`, else $REGISTRY_AUTH_FILE, else
// ${XDG_RUNTIME_DIR}/containers/auth.json, else ~/.config/containers/auth.json.
std::filesystem::path auth_file_to_write(const std::optional<std::filesystem::path>& explicit_file);

struct FoundCredentials {
    Credentials credentials;
    std::filesystem::path file;
    std::string key;  // the entry that matched ("127.0.0.1:5000", "quay.io/team")
};

// Credentials for `repository` on `registry` ("docker.io", "HOST:PORT"): the most specific
// entry (HOST/NAMESPACE/REPO, then its parents, then HOST; docker's "https://HOST" and
// Docker Hub's "https://index.docker.io/v1/" keys included) of the first file that has one.
// An unreadable or malformed file is an Error naming it.
std::optional<FoundCredentials> find_credentials(const std::vector<std::filesystem::path>& files,
                                                 const std::string& registry,
                                                 const std::string& repository);

// Adds or replaces the entry `key` in `file` (created 0600 with its directory 0700 when
// missing, replaced atomically, other entries and members kept).
void store_credentials(const std::filesystem::path& file, const std::string& key,
                       const Credentials& credentials);

// Removes every entry for `key` (also its "https://" spelling); false when there was none.
bool remove_credentials(const std::filesystem::path& file, const std::string& key);

}  // namespace sifkit::registry
