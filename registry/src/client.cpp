#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "client_internal.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/registry/reference.hpp"
#include "sifkit/sif/base64.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/sha256.hpp"
#include "sifkit/sif/text.hpp"

namespace sifkit::registry {
namespace {

// Every manifest and index type pull understands, so that a registry serving several picks one.
const std::string& manifest_accept_header() {
    static const std::string header =
        "Accept: " +
        sif::join({std::string(oci::media::kOciIndex), std::string(oci::media::kOciManifest),
                   std::string(oci::media::kDockerManifestList),
                   std::string(oci::media::kDockerManifest)});
    return header;
}

std::string media_type_of(const HttpResponse& response) {
    std::string type = response.header("content-type").value_or("");
    if (const auto semicolon = type.find(';'); semicolon != std::string::npos) {
        type.resize(semicolon);
    }
    while (!type.empty() && type.back() == ' ') {
        type.pop_back();
    }
    return type;
}

bool is_digest(const std::string& reference) {
    return reference.rfind("sha256:", 0) == 0;
}

}  // namespace

std::string registry_error_text(const std::string& body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object() || !json.contains("errors") ||
        !json["errors"].is_array()) {
        return {};
    }
    std::string text;
    for (const auto& e : json["errors"]) {
        if (!e.is_object()) {
            continue;
        }
        std::string one = e.value("code", std::string());
        const std::string message = e.value("message", std::string());
        if (!message.empty()) {
            one += (one.empty() ? "" : ": ") + message;
        }
        if (!one.empty()) {
            text += (text.empty() ? "" : "; ") + one;
        }
    }
    return text;
}

// ---- sessions ---------------------------------------------------------------------------

Client::State::Session::Session(State& state) : state_(state) {
    {
        std::lock_guard lock(state_.pool_mutex_);
        if (!state_.idle_.empty()) {
            session_ = std::move(state_.idle_.back());
            state_.idle_.pop_back();
        }
    }
    if (!session_) {
        session_ = std::make_unique<HttpSession>(state_.transport_);
    }
}

Client::State::Session::~Session() {
    std::lock_guard lock(state_.pool_mutex_);
    state_.idle_.push_back(std::move(session_));
}

Client::State::State(std::string registry_, std::string repository_, ClientOptions options_,
                     bool push_)
    : registry(std::move(registry_)),
      repository(std::move(repository_)),
      endpoint(registry_endpoint(registry)),
      options(std::move(options_)),
      push(push_) {
    transport_.ca_file = options.ca_file;
    transport_.verify_tls = !options.insecure;
    transport_.stall_seconds = std::max(1U, options.stall_seconds);
    transport_.user_agent = options.user_agent;
    transport_.cancel = &cancelled;
    if (!repository.empty()) {
        scopes_.insert("repository:" + repository + (push ? ":pull,push" : ":pull"));
    }
}

// ---- scheme -----------------------------------------------------------------------------

// Without --insecure: HTTPS, verified. With it: HTTPS without verification when the registry
// speaks TLS, else plain HTTP (skopeo's --tls-verify=false). Decided by probing /v2/ once.
void Client::State::ensure_scheme() {
    {
        std::lock_guard lock(mutex_);
        if (!scheme_.empty()) {
            return;
        }
        if (!options.insecure) {
            scheme_ = "https";
            return;
        }
    }
    Session session(*this);
    for (const char* scheme : {"https", "http"}) {
        HttpRequest probe;
        probe.method = "GET";
        probe.url = std::string(scheme) + "://" + endpoint + "/v2/";
        const HttpResult result = perform(session, probe);
        if (result.failure == Failure::none) {
            std::lock_guard lock(mutex_);
            scheme_ = scheme;
            return;
        }
        if (result.failure == Failure::cancelled) {
            throw Error(ErrorKind::io, "cancelled", registry);
        }
    }
    // Neither answered: leave it undecided (the next attempt probes again) and let the caller's
    // request fail with the connection error.
}

std::string Client::State::base_url() {
    ensure_scheme();
    std::lock_guard lock(mutex_);
    return (scheme_.empty() ? std::string("https") : scheme_) + "://" + endpoint;
}

std::string Client::State::resolve(const std::string& location) {
    if (const std::string origin = url_origin(location); !origin.empty()) {
        // Another host may take the upload (it gets no credentials: see exchange), but not over
        // plain HTTP unless --insecure allows it, as for redirects.
        if (!options.insecure && origin.rfind("http://", 0) == 0) {
            throw Error(ErrorKind::io,
                        "the registry sends the upload to " + origin +
                            ", plain HTTP: refusing to leave HTTPS (--insecure allows it)",
                        name_for_errors());
        }
        return location;
    }
    return base_url() + (location.empty() || location.front() != '/' ? "/" : "") + location;
}

// ---- authentication ---------------------------------------------------------------------

const std::optional<Credentials>& Client::State::credentials() {
    if (!credentials_loaded_) {
        credentials_loaded_ = true;
        if (options.credentials) {
            credentials_ = options.credentials;
            credentials_file_ = "the command line";
        } else if (auto found = find_credentials(auth_files_to_read(options.auth_file), registry,
                                                 repository)) {
            credentials_ = found->credentials;
            credentials_file_ = found->file.string();
        }
    }
    return credentials_;
}

std::string Client::State::credentials_origin() const {
    return credentials_ ? "user " + credentials_->username + " (from " + credentials_file_ + ")"
                        : std::string();
}

void Client::State::add_pull_scope(const std::string& other_repository) {
    std::lock_guard lock(mutex_);
    if (scopes_.insert("repository:" + other_repository + ":pull").second &&
        authorization_.rfind("Bearer ", 0) == 0) {
        authorization_.clear();  // the next request is challenged and gets a wider token
    }
}

std::string Client::State::fetch_token(const Challenge& challenge) {
    const std::string realm = challenge.param("realm");
    if (realm.empty()) {
        throw Error(ErrorKind::invalid_input, "bearer challenge without a realm", registry);
    }
    if (realm.rfind("https://", 0) != 0 && !(options.insecure && realm.rfind("http://", 0) == 0)) {
        throw Error(ErrorKind::denied,
                    "the token service " + realm +
                        " is not HTTPS; refusing to use it (--insecure allows plain HTTP)",
                    registry);
    }
    std::vector<std::string> scopes(scopes_.begin(), scopes_.end());
    if (const std::string asked = challenge.param("scope"); !asked.empty()) {
        scopes.push_back(asked);  // a space-separated list, in the registry's (random) order
    }
    std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
    url += "service=" + url_escape(challenge.param("service"));
    for (const auto& scope : merge_scopes(scopes)) {
        url += "&scope=" + url_escape(scope);
    }
    HttpRequest request;
    request.url = url;
    request.follow_redirects = true;
    const auto& creds = credentials();
    if (creds) {
        request.headers.push_back("Authorization: Basic " +
                                  sif::base64_encode(creds->username + ":" + creds->password));
    }
    HttpResult result;
    {
        Session session(*this);
        for (unsigned attempt = 0;; ++attempt) {
            result = perform(session, request);
            if (!transient(result) || attempt >= options.retries) {
                break;
            }
            back_off(attempt, result);
        }
    }
    if (result.failure != Failure::none) {
        fail(result, "token service " + realm);
    }
    if (result.response.status == 401 || result.response.status == 403) {
        throw Error(ErrorKind::denied,
                    creds ? "the token service refused the credentials of " + credentials_origin()
                          : "authentication required: no credentials for " + registry +
                                " (sifkit login " + registry + ", or --creds USER:PASSWORD)",
                    name_for_errors());
    }
    if (result.response.status != 200) {
        fail(result, "token service " + realm);
    }
    const auto json = nlohmann::json::parse(result.response.body, nullptr, false);
    std::string token;
    if (json.is_object()) {
        token = json.value("token", std::string());
        if (token.empty()) {
            token = json.value("access_token", std::string());
        }
    }
    if (token.empty()) {
        throw Error(ErrorKind::invalid_input, "the token service answered without a token", realm);
    }
    return token;
}

// Called with the mutex held.
void Client::State::authenticate(const HttpResult& refused, const std::string& sent_authorization) {
    if (authorization_ != sent_authorization) {
        return;  // another thread authenticated meanwhile: retry with its authorization
    }
    std::vector<Challenge> challenges;
    for (const auto& header : refused.response.headers_named("www-authenticate")) {
        for (auto& c : parse_challenges(header)) {
            challenges.push_back(std::move(c));
        }
    }
    for (const auto& c : challenges) {
        if (c.scheme == "bearer") {
            authorization_ = "Bearer " + fetch_token(c);
            return;
        }
    }
    for (const auto& c : challenges) {
        if (c.scheme == "basic") {
            const auto& creds = credentials();
            if (!creds) {
                throw Error(ErrorKind::denied,
                            "authentication required: no credentials for " + registry +
                                " (sifkit login " + registry + ", or --creds USER:PASSWORD)",
                            name_for_errors());
            }
            authorization_ = "Basic " + sif::base64_encode(creds->username + ":" + creds->password);
            return;
        }
    }
    throw Error(ErrorKind::denied,
                "authentication required, but the registry names no scheme sifkit knows "
                "(WWW-Authenticate: " +
                    refused.response.header("www-authenticate").value_or("none") + ")",
                name_for_errors());
}

HttpResult Client::State::exchange(HttpRequest request) {
    if (cancelled.load()) {
        throw Error(ErrorKind::io, "cancelled", name_for_errors());
    }
    const std::string base = base_url();
    if (url_origin(request.url).empty()) {
        request.url = base + request.url;
    }
    // The credentials (a password, or a token for this registry) go to the registry's own
    // scheme, host and port only: not to another host an upload Location names (nor, libcurl
    // sees to it, to where a redirect leads).
    const std::string registry_origin = url_origin(base);
    const bool to_registry = url_origin(request.url) == registry_origin;
    const std::size_t plain_headers = request.headers.size();
    for (int round = 0;; ++round) {
        std::string sent;
        if (to_registry) {
            std::lock_guard lock(mutex_);
            sent = authorization_;
        }
        request.headers.resize(plain_headers);
        if (!sent.empty()) {
            request.headers.push_back("Authorization: " + sent);
        }
        HttpResult result;
        {
            Session session(*this);
            result = perform(session, request);
        }
        if (result.failure != Failure::none || result.response.status != 401) {
            return result;
        }
        if (const std::string answered = url_origin(result.response.url);
            !to_registry || answered != registry_origin) {
            throw Error(ErrorKind::denied,
                        (answered.empty() ? url_origin(request.url) : answered) +
                            ", where the registry sent this request, asks for credentials: "
                            "sifkit sends those for " +
                            registry + " to " + registry_origin + " only",
                        name_for_errors());
        }
        std::lock_guard lock(mutex_);
        if (round > 0 && authorization_ == sent) {
            const auto& creds = credentials();
            const std::string why = registry_error_text(result.response.body);
            for (const auto& header : result.response.headers_named("www-authenticate")) {
                for (const auto& c : parse_challenges(header)) {
                    if (creds && c.param("error") == "insufficient_scope") {
                        throw Error(ErrorKind::denied,
                                    "access denied: the token for " + credentials_origin() +
                                        " does not grant " + c.param("scope"),
                                    name_for_errors());
                    }
                }
            }
            throw Error(ErrorKind::denied,
                        (creds ? "the registry refused the credentials of " + credentials_origin()
                               : "authentication required: no credentials for " + registry +
                                     " (sifkit login " + registry + ", or --creds USER:PASSWORD)") +
                            (why.empty() ? "" : " [" + why + "]"),
                        name_for_errors());
        }
        authenticate(result, sent);
    }
}

// ---- retries ----------------------------------------------------------------------------

HttpResult Client::State::perform(Session& session, const HttpRequest& request) {
    ++requests;
    HttpResult result = session->perform(request);
    if (result.failure != Failure::connect) {
        reached = true;
    }
    return result;
}

bool Client::State::transient(const HttpResult& result) const {
    switch (result.failure) {
        case Failure::connect:
            return reached.load();
        case Failure::transfer:
        case Failure::timeout:
            return true;
        case Failure::none:
            break;
        default:
            return false;
    }
    const long s = result.response.status;
    return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

void Client::State::back_off(unsigned attempt, const HttpResult& last) {
    ++retries;
    auto delay = std::chrono::milliseconds(std::min<std::uint64_t>(
        8000, std::uint64_t{options.retry_delay_ms} << std::min(attempt, 10U)));
    if (const auto after = last.response.header("retry-after")) {
        try {
            const unsigned long seconds = std::stoul(*after);
            if (seconds <= 30) {
                delay = std::max(delay, std::chrono::milliseconds(seconds * 1000));
            }
        } catch (const std::exception&) {
            // an HTTP date: keep the computed delay
        }
    }
    const auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
        if (cancelled.load()) {
            throw Error(ErrorKind::io, "cancelled", name_for_errors());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

HttpResult Client::State::with_retries(const HttpRequest& request) {
    for (unsigned attempt = 0;; ++attempt) {
        HttpResult result = exchange(request);
        if (!transient(result) || attempt >= options.retries) {
            return result;
        }
        back_off(attempt, result);
    }
}

void Client::State::fail(const HttpResult& result, const std::string& what) const {
    const std::string where = name_for_errors();
    switch (result.failure) {
        case Failure::none:
            break;
        case Failure::tls:
            throw Error(ErrorKind::io,
                        what + ": TLS failed: " + result.message +
                            (options.insecure ? ""
                                              : " (trust its CA with --ca-file FILE; "
                                                "--insecure skips verification)"),
                        where);
        case Failure::plain_http:
            throw Error(ErrorKind::io,
                        what + ": " + registry + " speaks plain HTTP" +
                            (options.insecure ? "" : "; use --insecure"),
                        where);
        case Failure::cancelled:
            throw Error(ErrorKind::io, what + ": cancelled", where);
        case Failure::too_large:
            throw Error(ErrorKind::invalid_input, what + ": " + result.message, where);
        default:
            throw Error(
                ErrorKind::io,
                what + ": " + result.message +
                    (transient(result) && options.retries > 0
                         ? " (gave up after " + std::to_string(options.retries) + " retries)"
                         : ""),
                where);
    }
    const long s = result.response.status;
    std::string detail = what + ": HTTP " + std::to_string(s);
    if (const std::string why = registry_error_text(result.response.body); !why.empty()) {
        detail += " (" + why + ")";
    }
    if (s == 401 || s == 403) {
        throw Error(ErrorKind::denied, detail, where);
    }
    if (s == 404) {
        throw Error(ErrorKind::not_found, detail, where);
    }
    if (s == 400) {
        throw Error(ErrorKind::invalid_input, detail, where);  // digest, name or manifest invalid
    }
    if (s == 405 || s == 415) {
        throw Error(ErrorKind::unsupported, detail, where);  // read-only registry, media type
    }
    throw Error(ErrorKind::io, detail, where);
}

// ---- Client -----------------------------------------------------------------------------

Client::Client(std::string registry, std::string repository, ClientOptions options, bool push)
    : registry_(registry),
      repository_(repository),
      state_(std::make_unique<State>(std::move(registry), std::move(repository), std::move(options),
                                     push)) {}

Client::~Client() = default;

void Client::cancel() {
    state_->cancelled = true;
}

ClientStats Client::stats() const {
    ClientStats s;
    s.requests = state_->requests;
    s.retries = state_->retries;
    s.blobs_downloaded = state_->blobs_downloaded;
    s.bytes_downloaded = state_->bytes_downloaded;
    s.blobs_uploaded = state_->blobs_uploaded;
    s.bytes_uploaded = state_->bytes_uploaded;
    s.blobs_mounted = state_->blobs_mounted;
    s.blobs_present = state_->blobs_present;
    return s;
}

void Client::check_access() {
    HttpRequest request;
    request.url = "/v2/";
    const HttpResult result = state_->with_retries(request);
    if (result.failure != Failure::none || result.response.status != 200) {
        state_->fail(result, "registry API check (/v2/)");
    }
}

ManifestDocument Client::get_manifest(const std::string& reference, std::size_t limit) {
    HttpRequest request;
    request.url = state_->repo_path("/manifests/" + reference);
    request.headers.push_back(manifest_accept_header());
    request.max_body = limit;
    request.follow_redirects = true;
    const HttpResult result = state_->with_retries(request);
    const std::string what = "manifest " + reference;
    if (result.failure != Failure::none || result.response.status != 200) {
        if (result.failure == Failure::none && result.response.status == 404) {
            const std::string why = registry_error_text(result.response.body);
            throw Error(ErrorKind::not_found,
                        "no image " + reference + " in the repository" +
                            (why.empty() ? "" : " (" + why + ")"),
                        name());
        }
        state_->fail(result, what);
    }
    ManifestDocument doc;
    doc.body = result.response.body;
    doc.media_type = media_type_of(result.response);
    doc.digest = sif::sha256_digest(doc.body);
    if (is_digest(reference) && doc.digest != reference) {
        throw Error(ErrorKind::invalid_input,
                    "digest mismatch: the registry sent a manifest whose digest is " + doc.digest,
                    name() + "@" + reference);
    }
    const auto claimed = result.response.header("docker-content-digest");
    if (claimed && is_digest(*claimed) && *claimed != doc.digest) {
        throw Error(ErrorKind::invalid_input,
                    "digest mismatch: the registry says " + *claimed +
                        ", the manifest it sent is " + doc.digest,
                    name() + ":" + reference);
    }
    return doc;
}

std::optional<std::string> Client::get_referrers(const std::string& digest,
                                                 const std::string& artifact_type,
                                                 std::size_t limit) {
    HttpRequest request;
    request.url =
        state_->repo_path("/referrers/" + digest + "?artifactType=" + url_escape(artifact_type));
    request.headers.push_back("Accept: " + std::string(oci::media::kOciIndex));
    request.max_body = limit;
    request.follow_redirects = true;
    const HttpResult result = state_->with_retries(request);
    if (result.failure == Failure::none && result.response.status == 404) {
        return std::nullopt;  // distribution 2.x and others without the OCI 1.1 API
    }
    if (result.failure != Failure::none || result.response.status != 200) {
        state_->fail(result, "referrers of " + digest);
    }
    return result.response.body;
}

std::vector<std::string> Client::list_tags() {
    std::vector<std::string> tags;
    std::string next = state_->repo_path("/tags/list");
    // Registries page long lists with a Link header: <PATH?n=..&last=..>; rel="next".
    for (int page = 0; !next.empty() && page < 1000; ++page) {
        HttpRequest request;
        request.url = next;
        request.max_body = 16 << 20;
        request.follow_redirects = true;
        const HttpResult result = state_->with_retries(request);
        if (result.failure != Failure::none || result.response.status != 200) {
            state_->fail(result, "tag list");
        }
        const auto json = nlohmann::json::parse(result.response.body, nullptr, false);
        if (!json.is_object()) {
            throw Error(ErrorKind::invalid_input, "the tag list is not a JSON object", name());
        }
        if (const auto it = json.find("tags"); it != json.end() && it->is_array()) {
            for (const auto& tag : *it) {
                if (tag.is_string()) {
                    tags.push_back(tag.get<std::string>());
                }
            }
        }
        next.clear();
        if (const auto link = result.response.header("link"); link && link->size() > 2) {
            const auto open = link->find('<');
            const auto close = link->find('>');
            if (open != std::string::npos && close != std::string::npos && close > open &&
                link->find("rel=\"next\"") != std::string::npos) {
                next = link->substr(open + 1, close - open - 1);
            }
        }
    }
    return tags;
}

std::string Client::put_manifest(const std::string& reference, const std::string& media_type,
                                 const std::string& body) {
    HttpRequest request;
    request.method = "PUT";
    request.url = state_->repo_path("/manifests/" + reference);
    request.headers.push_back("Content-Type: " + media_type);
    request.body = body;
    const HttpResult result = state_->with_retries(request);
    if (result.failure != Failure::none ||
        (result.response.status != 201 && result.response.status != 200)) {
        state_->fail(result, "pushing manifest " + reference);
    }
    return sif::sha256_digest(body);
}

}  // namespace sifkit::registry
