#include "http.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>

#include "sifkit/sif/error.hpp"

namespace sifkit::registry {
namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw Error(ErrorKind::internal, "libcurl initialisation failed");
        }
    });
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                             text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

// State shared with libcurl's callbacks for one exchange.
struct Exchange {
    const HttpRequest* request = nullptr;
    HttpResponse* response = nullptr;
    CURL* curl = nullptr;
    const std::atomic<bool>* cancel = nullptr;
    std::exception_ptr error;
    bool too_large = false;
    std::uint64_t sent = 0;  // body bytes handed to libcurl
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto& x = *static_cast<Exchange*>(user);
    const std::string_view line(data, size * count);
    if (line.substr(0, 5) == "HTTP/") {
        x.response->headers.clear();  // a new response (after a redirect or 100 Continue)
        return size * count;
    }
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        x.response->headers.emplace_back(lower(trim(line.substr(0, colon))),
                                         std::string(trim(line.substr(colon + 1))));
    }
    return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto& x = *static_cast<Exchange*>(user);
    const std::size_t n = size * count;
    long status = 0;
    curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300 && x.request->on_data) {
        x.response->status = status;
        try {
            x.request->on_data(*x.response, std::as_bytes(std::span<const char>(data, n)));
        } catch (...) {
            x.error = std::current_exception();
            return 0;  // aborts with CURLE_WRITE_ERROR
        }
        return n;
    }
    if (x.response->body.size() + n > x.request->max_body) {
        x.too_large = true;
        return 0;
    }
    x.response->body.append(data, n);
    return n;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto& x = *static_cast<Exchange*>(user);
    const HttpRequest& r = *x.request;
    const std::size_t room = size * count;
    if (r.body_fd < 0) {
        const std::size_t n = std::min<std::size_t>(room, r.body.size() - x.sent);
        std::copy_n(r.body.data() + x.sent, n, buffer);
        x.sent += n;
        return n;
    }
    const std::uint64_t left = r.body_size - x.sent;
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(room, left));
    if (want == 0) {
        return 0;
    }
    const ssize_t n = ::pread(r.body_fd, buffer, want, static_cast<off_t>(r.body_offset + x.sent));
    if (n <= 0) {
        x.error = std::make_exception_ptr(
            Error(ErrorKind::io, n == 0 ? "file shrank while it was being uploaded"
                                        : "cannot read the file being uploaded"));
        return CURL_READFUNC_ABORT;
    }
    x.sent += static_cast<std::uint64_t>(n);
    return static_cast<std::size_t>(n);
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto& x = *static_cast<Exchange*>(user);
    return x.cancel != nullptr && x.cancel->load() ? 1 : 0;
}

Failure classify(CURLcode code) {
    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
            return Failure::connect;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return Failure::tls;
        case CURLE_OPERATION_TIMEDOUT:
            return Failure::timeout;
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_HTTP3:
            return Failure::transfer;
        case CURLE_ABORTED_BY_CALLBACK:
            return Failure::cancelled;
        default:
            return Failure::other;
    }
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lower_name) {
            return value;
        }
    }
    return std::nullopt;
}

std::vector<std::string> HttpResponse::headers_named(std::string_view lower_name) const {
    std::vector<std::string> out;
    for (const auto& [name, value] : headers) {
        if (name == lower_name) {
            out.push_back(value);
        }
    }
    return out;
}

namespace {

struct HeaderListFree {
    void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, HeaderListFree>;

// curl_slist_append returns the list's head, or null (the list untouched) when out of memory.
void append_header(HeaderList& list, const char* header) {
    curl_slist* head = curl_slist_append(list.get(), header);
    if (head == nullptr) {
        throw std::bad_alloc();
    }
    static_cast<void>(list.release());
    list.reset(head);
}

}  // namespace

HttpSession::HttpSession(TransportOptions options) : options_(std::move(options)) {
    global_init();
    curl_.reset(curl_easy_init());
    if (!curl_) {
        throw Error(ErrorKind::internal, "cannot create a libcurl handle");
    }
}

void HttpSession::EasyCleanup::operator()(void* curl) const noexcept {
    curl_easy_cleanup(static_cast<CURL*>(curl));
}

HttpResult HttpSession::perform(const HttpRequest& request) {
    CURL* curl = static_cast<CURL*>(curl_.get());
    curl_easy_reset(curl);  // keeps the connection cache
    HttpResult result;
    Exchange x;
    x.request = &request;
    x.response = &result.response;
    x.curl = curl;
    x.cancel = options_.cancel;
    char error_text[CURL_ERROR_SIZE] = {};

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR,
                     options_.verify_tls ? "https" : "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_seconds));
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_seconds));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (options_.ca_file) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file->c_str());
    }
    if (!options_.user_agent.empty()) {
        curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &x);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);

    const bool has_body = request.body_fd >= 0 || !request.body.empty();
    const std::uint64_t body_size = request.body_fd >= 0 ? request.body_size : request.body.size();
    if (request.method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request.method == "GET") {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
        if (has_body || request.method == "PUT" || request.method == "PATCH") {
            curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(curl, CURLOPT_READDATA, &x);
            curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_size));
        } else {
            curl_easy_setopt(curl, CURLOPT_POST, 1L);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
        }
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    std::string range;
    if (request.range_from) {
        range = std::to_string(*request.range_from) + "-";
        if (request.range_to) {
            range += std::to_string(*request.range_to);
        }
        curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
    }
    HeaderList headers;
    for (const auto& header : request.headers) {
        append_header(headers, header.c_str());
    }
    append_header(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

    const CURLcode code = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    headers.reset();
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    if (x.error) {
        std::rethrow_exception(x.error);
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    result.response.status = status;
    char* effective = nullptr;
    curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
    result.response.url = effective != nullptr ? effective : request.url;
    if (x.too_large) {
        result.failure = Failure::too_large;
        result.message = "response body larger than " + std::to_string(request.max_body) + " bytes";
    } else if (code != CURLE_OK) {
        result.failure = classify(code);
        result.message =
            error_text[0] != '\0' ? std::string(error_text) : std::string(curl_easy_strerror(code));
        // OpenSSL reads an HTTP response as a TLS record of an unknown version: the one sign
        // that the server speaks plain HTTP, which deserves its own advice.
        if (result.failure == Failure::tls &&
            result.message.find("wrong version number") != std::string::npos) {
            result.failure = Failure::plain_http;
        }
        // libcurl says "Couldn't connect to server" and keeps the reason (ECONNREFUSED,
        // EHOSTUNREACH...) apart: name the host and that reason.
        long os_errno = 0;
        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
        if (code == CURLE_COULDNT_CONNECT && os_errno != 0) {
            const std::string origin = url_origin(result.response.url);
            const auto separator = origin.find("://");
            const std::string host =
                separator == std::string::npos ? result.response.url : origin.substr(separator + 3);
            result.message =
                "cannot connect to " + host + ": " + std::strerror(static_cast<int>(os_errno));
        }
    }
    return result;
}

std::string url_escape(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0x0F];
        }
    }
    return out;
}

std::string url_origin(std::string_view url) {
    const auto separator = url.find("://");
    if (separator == std::string_view::npos) {
        return {};
    }
    const std::string scheme = lower(url.substr(0, separator));
    if (scheme != "http" && scheme != "https") {
        return {};
    }
    std::string_view authority = url.substr(separator + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority.remove_prefix(at + 1);
    }
    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return {};
        }
        host = authority.substr(0, close + 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') {
                return {};
            }
            port = authority.substr(close + 2);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
        return {};
    }
    while (port.size() > 1 && port.front() == '0') {
        port.remove_prefix(1);
    }
    const std::string port_text =
        port.empty() ? std::string(scheme == "https" ? "443" : "80") : std::string(port);
    return scheme + "://" + lower(host) + ":" + port_text;
}

}  // namespace sifkit::registry
