// One HTTP exchange on libcurl: a request with headers and an optional body (memory or a file
// range), the final response's status and headers, and its body either captured (bounded) or
// streamed to a callback when the status is 2xx. libcurl honours the usual proxy variables
// (http_proxy, https_proxy, no_proxy, all_proxy). No retries and no authentication here: the
// registry client does both.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sifkit::registry {

struct TransportOptions {
    std::optional<std::filesystem::path> ca_file;  // trusted CAs instead of the system's
    bool verify_tls = true;
    unsigned stall_seconds = 60;  // abort when no byte moved for this long
    unsigned connect_seconds = 30;
    std::string user_agent;
    const std::atomic<bool>* cancel = nullptr;  // set by another thread: abort transfers
};

struct HttpResponse;

struct HttpRequest {
    std::string method = "GET";  // GET, HEAD, PUT, POST, PATCH, DELETE
    std::string url;
    std::vector<std::string> headers;         // "Name: value"
    std::optional<std::uint64_t> range_from;  // "Range: bytes=N-"
    std::optional<std::uint64_t> range_to;    // with range_from: "Range: bytes=N-M" (M inclusive)
    bool follow_redirects = false;
    // Body to send: `body`, or `body_size` bytes of `body_fd` from `body_offset`.
    std::string_view body;
    int body_fd = -1;
    std::uint64_t body_offset = 0;
    std::uint64_t body_size = 0;
    // Receives the body of a 2xx response as it arrives, with that response's status and
    // headers (it may throw to abort). Without it, or for other statuses, the body is captured
    // in the response, up to `max_body` bytes.
    std::function<void(const HttpResponse& response, std::span<const std::byte>)> on_data;
    std::size_t max_body = 1 << 20;
};

struct HttpResponse {
    long status = 0;
    std::vector<std::pair<std::string, std::string>>
        headers;  // of the final response; lower-case names
    std::string body;
    std::string url;  // after redirects

    std::optional<std::string> header(std::string_view lower_name) const;
    std::vector<std::string> headers_named(std::string_view lower_name) const;
};

enum class Failure {
    none,
    connect,     // could not resolve or connect (also a refused connection)
    tls,         // handshake failed or the certificate is not trusted
    plain_http,  // a TLS handshake was answered in plain HTTP (a registry without TLS)
    timeout,     // connect timeout or stalled transfer
    transfer,    // the connection broke during the exchange
    too_large,   // a captured body exceeded max_body
    cancelled,
    other,
};

struct HttpResult {
    HttpResponse response;
    Failure failure = Failure::none;
    std::string message;  // libcurl's explanation when failure != none
};

// A libcurl easy handle; keeps connections alive between requests. Not thread-safe: one per
// thread.
class HttpSession {
  public:
    explicit HttpSession(TransportOptions options);

    // Performs the exchange. Transport problems come back as a Failure; an exception thrown by
    // `on_data` is rethrown.
    HttpResult perform(const HttpRequest& request);

    const TransportOptions& options() const { return options_; }

  private:
    // The header keeps libcurl out of its includers: the handle is a CURL* behind void.
    struct EasyCleanup {
        void operator()(void* curl) const noexcept;
    };
    TransportOptions options_;
    std::unique_ptr<void, EasyCleanup> curl_;
};

// Percent-encodes a query value.
std::string url_escape(std::string_view text);

// The origin of an absolute http(s) URL, normalized for comparison: "https://host:443" (scheme
// and host in lower case, the default port written out, user information dropped); "" when
// `url` is not an absolute http or https URL. Credentials go to one origin only.
std::string url_origin(std::string_view url);

}  // namespace sifkit::registry
