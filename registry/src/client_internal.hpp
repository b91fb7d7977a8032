// Internals of Client shared by its source files: the pooled HTTP sessions, the scheme choice,
// authentication and the retry loop.
#pragma once

#include <atomic>
#include <mutex>
#include <set>

#include "challenge.hpp"
#include "http.hpp"
#include "sifkit/registry/client.hpp"

namespace sifkit::registry {

struct Client::State {
    State(std::string registry, std::string repository, ClientOptions options, bool push);

    // "https://HOST" or "http://HOST" (decided on first use, see ensure_scheme).
    std::string base_url();
    // An absolute URL for a path ("/v2/...") or a Location header the registry sent.
    std::string resolve(const std::string& location);
    std::string repo_path(const std::string& tail) const { return "/v2/" + repository + tail; }

    // One exchange with the current authorization; answers a 401 challenge once (Basic, or a
    // bearer token) and resends. A denied Error when the registry still refuses.
    HttpResult exchange(HttpRequest request);
    // exchange(), retried with backoff while the failure is transient.
    HttpResult with_retries(const HttpRequest& request);
    // Sleeps before retry `attempt` (0-based), honouring a Retry-After of at most 30 s.
    void back_off(unsigned attempt, const HttpResult& last);
    // Throws the Error that describes a failed exchange; `what` names the object.
    [[noreturn]] void fail(const HttpResult& result, const std::string& what) const;

    // Whether a retry may succeed. A refused connection or an unknown host is not, until the
    // registry has been reached once (see reached).
    bool transient(const HttpResult& result) const;
    // "REGISTRY/REPOSITORY", the file field of Errors.
    std::string name_for_errors() const {
        return repository.empty() ? registry : registry + "/" + repository;
    }

    // Asks for pull access to another repository too (cross-repository mounts).
    void add_pull_scope(const std::string& other_repository);

    std::string registry;
    std::string repository;
    std::string endpoint;
    ClientOptions options;
    bool push;
    std::atomic<bool> cancelled{false};
    // Some request got past connecting. Before that, a refused connection or an unresolved name
    // is a registry that is not there (a typo, nothing listening): retrying only delays the
    // error, by 7.6 s with the default retries. After it, a refused connection is likely a
    // registry restarting in the middle of a pull, which the retries are for.
    std::atomic<bool> reached{false};

    std::atomic<std::uint64_t> requests{0}, retries{0}, blobs_downloaded{0}, bytes_downloaded{0},
        blobs_uploaded{0}, bytes_uploaded{0}, blobs_mounted{0}, blobs_present{0};

    // A pooled session for the calling thread, returned to the pool on destruction.
    class Session {
      public:
        explicit Session(State& state);
        ~Session();
        Session(const Session&) = delete;
        Session& operator=(const Session&) = delete;
        HttpSession& operator*() { return *session_; }
        HttpSession* operator->() { return session_.get(); }

      private:
        State& state_;
        std::unique_ptr<HttpSession> session_;
    };

    // One request on `session`, counted; notes whether it reached the host.
    HttpResult perform(Session& session, const HttpRequest& request);

  private:
    void ensure_scheme();
    void authenticate(const HttpResult& refused, const std::string& sent_authorization);
    std::string fetch_token(const Challenge& challenge);
    const std::optional<Credentials>& credentials();
    std::string credentials_origin() const;

    TransportOptions transport_;
    std::mutex pool_mutex_;  // idle_
    std::vector<std::unique_ptr<HttpSession>> idle_;
    std::mutex mutex_;  // everything below (held while a token is fetched)
    std::string scheme_;
    std::string authorization_;
    std::set<std::string> scopes_;
    bool credentials_loaded_ = false;
    std::optional<Credentials> credentials_;
    std::string credentials_file_;
};

// The registry's own explanation from an error body ({"errors":[{"code","message"}]}), or "".
std::string registry_error_text(const std::string& body);

}  // namespace sifkit::registry
