// A client for one repository of an OCI distribution registry (distribution-spec v1.1): manifests
// and blobs, down and up, over libcurl.
//
// - TLS is verified (system CAs, or `ca_file`); `insecure` allows unverified TLS and plain HTTP
//   (tried when the TLS handshake fails), as skopeo's --tls-verify=false does.
// - Authentication answers the registry's challenge: HTTP Basic, or the bearer-token flow
//   (a token from the realm the WWW-Authenticate header names, for the repository's scope),
//   with `credentials` or the ones the auth files hold for the registry; anonymous otherwise.
// - Transient failures (refused or broken connections, timeouts, 429 and 5xx answers) are
//   retried `retries` times with exponential backoff; blob downloads resume where they broke
//   off with Range requests.
// - Proxies come from the environment (http_proxy, https_proxy, no_proxy), through libcurl.
// Thread-safe: blobs may be fetched from several threads at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sifkit/registry/credentials.hpp"

namespace sifkit::registry {

struct ClientOptions {
    std::optional<std::filesystem::path> ca_file;
    bool insecure = false;
    std::optional<Credentials> credentials;          // instead of the auth files
    std::optional<std::filesystem::path> auth_file;  // read only this auth file
    unsigned retries = 4;
    unsigned retry_delay_ms = 500;  // first backoff; doubled each time, at most 8 s
    unsigned stall_seconds = 60;    // a transfer with no byte for this long is retried
    std::string user_agent = "sifkit";
};

// Counters of what went over the wire (for summaries, and for tests of the cache).
struct ClientStats {
    std::uint64_t requests = 0;
    std::uint64_t retries = 0;
    std::uint64_t blobs_downloaded = 0;
    std::uint64_t bytes_downloaded = 0;
    std::uint64_t blobs_uploaded = 0;
    std::uint64_t bytes_uploaded = 0;
    std::uint64_t blobs_mounted = 0;
    std::uint64_t blobs_present = 0;  // already in the repository: not uploaded
};

struct ManifestDocument {
    std::string media_type;  // Content-Type of the answer
    std::string digest;      // sha256 of the bytes, computed here
    std::string body;
};

enum class UploadOutcome { present, mounted, uploaded };

class Client {
  public:
    // `push`: ask for push access as well as pull.
    Client(std::string registry, std::string repository, ClientOptions options, bool push = false);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    const std::string& registry() const { return registry_; }
    const std::string& repository() const { return repository_; }
    // "REGISTRY/REPOSITORY", how errors name the repository.
    std::string name() const { return registry_ + "/" + repository_; }

    // GET /v2/, authenticating when challenged: the registry answers and accepts the
    // credentials (a denied Error otherwise).
    void check_access();

    // The manifest or index a tag or digest names, Accept-ing the OCI and Docker v2 types.
    // Checked against the digest when fetched by digest; not_found for an unknown one.
    ManifestDocument get_manifest(const std::string& reference, std::size_t limit = 16 << 20);
    // The OCI 1.1 referrers of manifest `digest` (GET /referrers/DIGEST), an image index of the
    // manifests whose subject it is, asked for `artifact_type` only (registries may ignore the
    // filter). nullopt when the registry does not implement the API (404); at most `limit`
    // bytes.
    std::optional<std::string> get_referrers(const std::string& digest,
                                             const std::string& artifact_type,
                                             std::size_t limit = 4 << 20);
    // The repository's tags (GET /tags/list, following the registry's Link pages).
    std::vector<std::string> list_tags();
    // PUT of a manifest under a tag (or its digest); returns its digest.
    std::string put_manifest(const std::string& reference, const std::string& media_type,
                             const std::string& body);

    // Streams blob `digest` from byte `offset` on to `sink` (which sees every byte once, in
    // order, across retries and resumed requests) until the registry has sent it all. The
    // digest is not checked here: the caller hashes what it stores.
    void fetch_blob(const std::string& digest, std::uint64_t offset,
                    const std::function<void(std::span<const std::byte>)>& sink);
    // `length` bytes of blob `digest` from `offset`, in one ranged request (fewer at the blob's
    // end). An unsupported Error when the registry ignores the Range header: nothing more than
    // the range is read.
    std::string fetch_range(const std::string& digest, std::uint64_t offset, std::uint64_t length);
    // Size of a blob in the repository, nullopt when it is not there.
    std::optional<std::uint64_t> blob_size(const std::string& digest);
    // Makes blob `digest` (`size` bytes of `fd`) exist in the repository: nothing when it is
    // there, a cross-repository mount from one of `mount_from` (repositories of the same
    // registry) when the registry allows it, else an upload: one PUT up to `chunk_size` bytes,
    // PATCH chunks of `chunk_size` beyond.
    UploadOutcome push_blob(const std::string& digest, int fd, std::uint64_t size,
                            const std::vector<std::string>& mount_from,
                            std::uint64_t chunk_size = 64 << 20);
    // The same for a small blob in memory (a config).
    UploadOutcome push_blob(const std::string& digest, std::string_view data);

    // Makes transfers in progress (in any thread) fail soon, and every later one at once.
    void cancel();
    ClientStats stats() const;

  private:
    struct Upload;
    UploadOutcome upload(const Upload& upload);

    struct State;
    std::string registry_;
    std::string repository_;
    std::unique_ptr<State> state_;
};

}  // namespace sifkit::registry
