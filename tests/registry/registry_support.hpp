// Shared pieces of the registry tests: background processes (registries, proxies, a token
// service), Debian's docker-registry started on 127.0.0.1 with a temporary config (plain HTTP,
// TLS with a throwaway CA, htpasswd, token auth), seeded once per run with the fixture images by
// skopeo, and sifkit run with an isolated home, cache and proxy environment.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sifkit/test/support.hpp"

namespace registry_test {

namespace fs = std::filesystem;
using sifkit::test::RunResult;

// A scratch directory for this process, removed at exit.
const fs::path& scratch();
// The fixture images of tests/fixtures/oci (built once per run).
const fs::path& fixtures();
// tests/registry in the source tree (the Python helpers).
fs::path helpers();

// A process in the background, its stdout and stderr in `log`; killed when destroyed.
class Daemon {
  public:
    Daemon(const std::vector<std::string>& argv, const fs::path& log);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int number) const;
    // SIGTERM, then SIGKILL if it is still there after 10 s; waits until it is gone.
    void stop();
    bool alive() const;

  private:
    pid_t pid_ = -1;
};

// A command started in the background; wait() returns its result.
class Async {
  public:
    Async(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
    ~Async();
    RunResult wait();

  private:
    fs::path dir_;
    std::string command_;
    std::unique_ptr<Daemon> shell_;
};

unsigned free_port();
// Waits until 127.0.0.1:port accepts connections (REQUIREs it within 30 s).
void wait_for_port(unsigned port);
// Waits for a file a helper writes its port to, and returns the port.
unsigned wait_for_port_file(const fs::path& file);

struct RegistryConfig {
    fs::path storage;
    std::optional<std::pair<fs::path, fs::path>> tls;  // certificate, key
    std::optional<fs::path> htpasswd;
    struct Token {
        std::string realm;
        std::string service;
        std::string issuer;
        fs::path bundle;
    };
    std::optional<Token> token;
    // http.secret: registries that share storage and secret continue each other's uploads.
    std::optional<std::string> secret;
};

class Registry {
  public:
    Registry(std::string name, RegistryConfig config);
    ~Registry();

    unsigned port() const { return port_; }
    // "127.0.0.1:PORT"
    std::string host() const;
    const fs::path& log() const { return log_; }
    void start();
    void stop();
    // Access-log lines for `method` on a path containing `path_part`, with `status` (0: any).
    std::size_t count(const std::string& method, const std::string& path_part,
                      int status = 0) const;

  private:
    std::string name_;
    RegistryConfig config_;
    unsigned port_;
    fs::path dir_;
    fs::path log_;
    std::unique_ptr<Daemon> daemon_;
};

// The plain-HTTP registry of the run, seeded with fixture:latest, multi (all platforms) and
// derived:latest (fixture plus one layer), digests preserved.
Registry& seeded();
// The storage directory seeded() serves, for other registries over the same content.
const fs::path& seeded_storage();

// A throwaway CA and a server certificate it signed for 127.0.0.1 (made once per run), and a CA
// that signed nothing.
struct Pki {
    fs::path dir;
    fs::path ca;
    fs::path cert;
    fs::path key;
    fs::path other_ca;
};
const Pki& pki();

// Copies an image into a registry with skopeo (plain HTTP unless `tls`).
void skopeo_copy(const std::string& from, const std::string& to,
                 const std::vector<std::string>& extra = {});

// A per-test environment for sifkit: its own HOME, cache and no proxies or auth files.
struct Env {
    Env();
    sifkit::test::TempDir dir;
    fs::path home;
    fs::path cache;
    std::vector<std::string> extra;  // more NAME=VALUE settings
    std::vector<std::string> settings() const;
};

RunResult run_sifkit(const Env& env, const std::vector<std::string>& args);
// sifkit, REQUIREd to succeed.
RunResult sifkit_ok(const Env& env, const std::vector<std::string>& args);

// The JSON a --json command printed (REQUIREs that it parses).
nlohmann::json json_of(const RunResult& result);
// A fault proxy (fault_proxy.py) in front of 127.0.0.1:`upstream`, with its request log.
class Proxy {
  public:
    Proxy(const std::string& name, unsigned upstream, const std::vector<std::string>& faults = {});
    unsigned port() const { return port_; }
    std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
    void stop() { daemon_->stop(); }
    // The requests seen so far, one JSON object each.
    std::vector<nlohmann::json> requests() const;

  private:
    fs::path dir_;
    std::unique_ptr<Daemon> daemon_;
    unsigned port_ = 0;
};
// sifkit convert_like_pull: LAYOUT:TAG converted as a pull of `from` records it.
void convert_like_pull(const fs::path& layout, const std::string& tag, const std::string& from,
                       const fs::path& output, const std::string& platform = {});

// The squashfs partition of a SIF (object 3), as bytes.
std::string partition_of(const fs::path& sif);
// `unsquashfs -lln` of a SIF's partition: one line per entry, sorted.
std::vector<std::string> listing_of(const fs::path& sif);
// One file of a SIF's partition.
std::string file_in(const fs::path& sif, const std::string& path);

// Files in `dir` whose names start with '.' and contain ".sifkit-": temporaries left behind.
std::vector<fs::path> leftovers(const fs::path& dir);
// The manifest digest a tag names in an OCI layout's index.json.
std::string layout_digest(const fs::path& layout, const std::string& tag);
// The digest of the fixture's largest layer (busybox and the random files, over 2 MB): the one
// the fault and tamper tests aim at.
std::string big_layer();

}  // namespace registry_test
