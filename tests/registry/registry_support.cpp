#include "registry_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace registry_test {
namespace {

using namespace std::chrono_literals;
namespace t = sifkit::test;

// Whether a process is still there (a zombie nobody reaps counts as gone).
bool process_alive(pid_t pid) {
    if (pid <= 0 || ::kill(pid, 0) != 0) {
        return false;
    }
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(stat, text);
    const auto close = text.rfind(')');
    return close == std::string::npos || close + 2 >= text.size() || text[close + 2] != 'Z';
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

const fs::path& scratch() {
    return t::process_scratch("sifkit-registry-tests");
}

const fs::path& fixtures() {
    static std::once_flag once;
    static fs::path path;
    std::call_once(once, [] {
        path = scratch() / "fixtures";
        const auto result = t::make_oci_fixtures(path);
        if (result.exit_code != 0) {
            FAIL("building the fixtures failed: " << result.describe());
        }
        const auto derived =
            t::run({"python3", (helpers() / "derive_image.py").string(), (path / "layout").string(),
                    "latest", (path / "derived").string()});
        if (derived.exit_code != 0) {
            FAIL("deriving an image failed: " << derived.describe());
        }
    });
    return path;
}

fs::path helpers() {
    return t::repo_root() / "tests" / "registry";
}

// ---- processes --------------------------------------------------------------------------

Daemon::Daemon(const std::vector<std::string>& argv, const fs::path& log) {
    std::vector<std::string> command{"sh", "-c", "log=$1; shift; \"$@\" >>\"$log\" 2>&1 & echo $!",
                                     "sh", log.string()};
    command.insert(command.end(), argv.begin(), argv.end());
    const auto result = t::run(command);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    pid_ = static_cast<pid_t>(std::stol(result.out));
}

Daemon::~Daemon() {
    if (process_alive(pid_)) {
        ::kill(pid_, SIGKILL);
    }
}

void Daemon::signal(int number) const {
    ::kill(pid_, number);
}

bool Daemon::alive() const {
    return process_alive(pid_);
}

void Daemon::stop() {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200 && process_alive(pid_); ++i) {
        std::this_thread::sleep_for(50ms);
    }
    if (process_alive(pid_)) {
        ::kill(pid_, SIGKILL);
        for (int i = 0; i < 100 && process_alive(pid_); ++i) {
            std::this_thread::sleep_for(50ms);
        }
    }
}

Async::Async(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    static int counter = 0;
    dir_ = scratch() / ("async-" + std::to_string(++counter));
    fs::create_directories(dir_);
    // env(1) takes its -u options before the assignments.
    std::vector<std::string> command{"env"};
    for (const auto& e : env) {
        if (e.find('=') == std::string::npos) {
            command.push_back("-u");
            command.push_back(e);
        }
    }
    for (const auto& e : env) {
        if (e.find('=') != std::string::npos) {
            command.push_back(e);
        }
    }
    for (const auto& a : argv) {
        command.push_back(a);
        command_ += (command_.empty() ? "" : " ") + a;
    }
    std::vector<std::string> shell{
        "sh", "-c",
        "d=$1; shift; \"$@\" >\"$d/out\" 2>\"$d/err\"; echo $? >\"$d/rc.tmp\"; mv \"$d/rc.tmp\" "
        "\"$d/rc\"",
        "sh", dir_.string()};
    shell.insert(shell.end(), command.begin(), command.end());
    shell_ = std::make_unique<Daemon>(shell, dir_ / "shell.log");
}

Async::~Async() = default;

RunResult Async::wait() {
    for (int i = 0; i < 3000 && !fs::exists(dir_ / "rc"); ++i) {
        std::this_thread::sleep_for(50ms);
    }
    REQUIRE(fs::exists(dir_ / "rc"));
    RunResult r;
    r.command = command_;
    r.exit_code = std::stoi(read_text(dir_ / "rc"));
    r.out = read_text(dir_ / "out");
    r.err = read_text(dir_ / "err");
    return r;
}

unsigned free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    ::close(fd);
    return ntohs(addr.sin_port);
}

void wait_for_port(unsigned port) {
    for (int i = 0; i < 600; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        if (up) {
            return;
        }
        std::this_thread::sleep_for(50ms);
    }
    FAIL("nothing listens on 127.0.0.1:" << port);
}

unsigned wait_for_port_file(const fs::path& file) {
    for (int i = 0; i < 600 && !fs::exists(file); ++i) {
        std::this_thread::sleep_for(50ms);
    }
    REQUIRE(fs::exists(file));
    const unsigned port = static_cast<unsigned>(std::stoul(read_text(file)));
    wait_for_port(port);
    return port;
}

// ---- registries -------------------------------------------------------------------------

Registry::Registry(std::string name, RegistryConfig config)
    : name_(std::move(name)), config_(std::move(config)), port_(free_port()) {
    dir_ = scratch() / ("registry-" + name_);
    fs::create_directories(dir_);
    log_ = dir_ / "log";
    std::ostringstream yml;
    yml << "version: 0.1\n"
        << "log:\n  level: info\n  accesslog:\n    disabled: false\n"
        << "storage:\n  filesystem:\n    rootdirectory: " << config_.storage.string() << "\n"
        << "  delete:\n    enabled: true\n"
        << "  maintenance:\n    uploadpurging:\n      enabled: false\n"
        << "http:\n  addr: 127.0.0.1:" << port_ << "\n";
    if (config_.secret) {
        yml << "  secret: " << *config_.secret << "\n";
    }
    if (config_.tls) {
        yml << "  tls:\n    certificate: " << config_.tls->first.string()
            << "\n    key: " << config_.tls->second.string() << "\n";
    }
    if (config_.htpasswd) {
        yml << "auth:\n  htpasswd:\n    realm: sifkit-test\n    path: "
            << config_.htpasswd->string() << "\n";
    } else if (config_.token) {
        yml << "auth:\n  token:\n    realm: " << config_.token->realm
            << "\n    service: " << config_.token->service
            << "\n    issuer: " << config_.token->issuer
            << "\n    rootcertbundle: " << config_.token->bundle.string() << "\n";
    }
    std::ofstream(dir_ / "config.yml") << yml.str();
    start();
}

Registry::~Registry() = default;

std::string Registry::host() const {
    return "127.0.0.1:" + std::to_string(port_);
}

void Registry::start() {
    daemon_ = std::make_unique<Daemon>(
        std::vector<std::string>{"docker-registry", "serve", (dir_ / "config.yml").string()}, log_);
    wait_for_port(port_);
}

void Registry::stop() {
    if (daemon_) {
        daemon_->stop();
        daemon_.reset();
    }
}

std::size_t Registry::count(const std::string& method, const std::string& path_part,
                            int status) const {
    std::ifstream in(log_);
    std::string line;
    std::size_t n = 0;
    // 127.0.0.1 - - [date] "GET /v2/x/blobs/sha256:... HTTP/1.1" 200 1234 "" "sifkit/0.1.0"
    while (std::getline(in, line)) {
        const auto quote = line.find("\"" + method + " ");
        if (line.rfind("127.0.0.1 - - [", 0) != 0 || quote == std::string::npos) {
            continue;
        }
        const auto end = line.find(" HTTP/", quote);
        const std::string path =
            line.substr(quote + method.size() + 2, end - quote - method.size() - 2);
        if (path.find(path_part) == std::string::npos) {
            continue;
        }
        if (status != 0) {
            const auto after = line.find("\" ", end);
            if (after == std::string::npos || std::atoi(line.c_str() + after + 2) != status) {
                continue;
            }
        }
        ++n;
    }
    return n;
}

namespace {

void openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = t::run(argv);
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
}

}  // namespace

const Pki& pki() {
    static const Pki p = [] {
        Pki k;
        k.dir = scratch() / "pki";
        k.ca = k.dir / "ca.pem";
        k.cert = k.dir / "server.pem";
        k.key = k.dir / "server.key";
        k.other_ca = k.dir / "other-ca.pem";
        fs::create_directories(k.dir);
        const std::string d = k.dir.string();
        openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/ca.key", "-out",
                 k.ca.string(), "-days", "2", "-subj", "/CN=sifkit test CA"});
        openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/other.key",
                 "-out", k.other_ca.string(), "-days", "2", "-subj", "/CN=another CA"});
        openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", k.key.string(), "-out",
                 d + "/server.csr", "-subj", "/CN=127.0.0.1"});
        t::write_file(k.dir / "ext.cnf", "subjectAltName=IP:127.0.0.1\n");
        openssl({"x509", "-req", "-in", d + "/server.csr", "-CA", k.ca.string(), "-CAkey",
                 d + "/ca.key", "-CAcreateserial", "-out", k.cert.string(), "-days", "2",
                 "-extfile", d + "/ext.cnf"});
        return k;
    }();
    return p;
}

const fs::path& seeded_storage() {
    static const fs::path path = scratch() / "storage";
    return path;
}

void skopeo_copy(const std::string& from, const std::string& to,
                 const std::vector<std::string>& extra) {
    std::vector<std::string> argv{"skopeo",  "--insecure-policy",       "copy",
                                  "--quiet", "--dest-tls-verify=false", "--preserve-digests"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(from);
    argv.push_back(to);
    const auto result = t::run(argv);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
}

Registry& seeded() {
    static std::unique_ptr<Registry> registry;
    if (!registry) {
        const fs::path& fx = fixtures();
        RegistryConfig config;
        config.storage = seeded_storage();
        registry = std::make_unique<Registry>("plain", config);
        const std::string host = registry->host();
        skopeo_copy("oci:" + (fx / "layout").string() + ":latest",
                    "docker://" + host + "/fixture:latest");
        skopeo_copy("oci:" + (fx / "multi").string() + ":latest",
                    "docker://" + host + "/multi:latest", {"--all"});
        skopeo_copy("oci:" + (fx / "derived").string() + ":latest",
                    "docker://" + host + "/derived:latest");
    }
    return *registry;
}

// ---- sifkit -----------------------------------------------------------------------------

Env::Env() : dir("sifkit-registry-env") {
    home = dir.path() / "home";
    cache = dir.path() / "cache";
    fs::create_directories(home);
}

std::vector<std::string> Env::settings() const {
    std::vector<std::string> s{"HOME=" + home.string(),
                               "SIFKIT_CACHEDIR=" + cache.string(),
                               "XDG_CACHE_HOME",
                               "XDG_RUNTIME_DIR",
                               "REGISTRY_AUTH_FILE",
                               "SOURCE_DATE_EPOCH",
                               "http_proxy",
                               "https_proxy",
                               "HTTP_PROXY",
                               "HTTPS_PROXY",
                               "all_proxy",
                               "ALL_PROXY",
                               "no_proxy",
                               "NO_PROXY"};
    s.insert(s.end(), extra.begin(), extra.end());
    return s;
}

RunResult run_sifkit(const Env& env, const std::vector<std::string>& args) {
    std::vector<std::string> argv{t::sifkit_bin().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    t::RunOptions options;
    options.env = env.settings();
    return t::run(argv, options);
}

RunResult sifkit_ok(const Env& env, const std::vector<std::string>& args) {
    auto result = run_sifkit(env, args);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return result;
}

nlohmann::json json_of(const RunResult& result) {
    const auto json = nlohmann::json::parse(result.out, nullptr, false);
    INFO(result.describe() << "\nstdout: " << result.out);
    REQUIRE(!json.is_discarded());
    return json;
}

Proxy::Proxy(const std::string& name, unsigned upstream, const std::vector<std::string>& faults) {
    dir_ = scratch() / ("proxy-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::vector<std::string> argv{"python3", (helpers() / "fault_proxy.py").string(),
                                  (dir_ / "port").string(), std::to_string(upstream),
                                  (dir_ / "requests").string()};
    argv.insert(argv.end(), faults.begin(), faults.end());
    daemon_ = std::make_unique<Daemon>(argv, dir_ / "log");
    port_ = wait_for_port_file(dir_ / "port");
}

std::vector<nlohmann::json> Proxy::requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ / "requests");
    std::string line;
    while (std::getline(in, line)) {
        out.push_back(nlohmann::json::parse(line));
    }
    return out;
}

void convert_like_pull(const fs::path& layout, const std::string& tag, const std::string& from,
                       const fs::path& output, const std::string& platform) {
    std::vector<std::string> argv{SIFKIT_CONVERT_LIKE_PULL, layout.string(), tag, "docker", from,
                                  output.string()};
    if (!platform.empty()) {
        argv.push_back(platform);
    }
    const auto result = t::run(argv, t::RunOptions{std::nullopt, {"SOURCE_DATE_EPOCH"}, {}});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
}

std::string partition_of(const fs::path& sif) {
    const auto result = t::run({t::sifkit_bin().string(), "dump", "3", sif.string()});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return result.out;
}

std::vector<std::string> listing_of(const fs::path& sif) {
    static int counter = 0;
    const fs::path image = scratch() / ("listing-" + std::to_string(++counter) + ".sqfs");
    t::write_file(image, partition_of(sif));
    const auto result = t::run({"unsquashfs", "-lln", image.string()});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    std::vector<std::string> lines;
    std::istringstream in(result.out);
    std::string line;
    while (std::getline(in, line)) {
        if (line.find("squashfs-root") != std::string::npos) {
            lines.push_back(line);
        }
    }
    std::sort(lines.begin(), lines.end());
    fs::remove(image);
    return lines;
}

std::string file_in(const fs::path& sif, const std::string& path) {
    static int counter = 0;
    const fs::path image = scratch() / ("cat-" + std::to_string(++counter) + ".sqfs");
    t::write_file(image, partition_of(sif));
    const auto result = t::run({"rdsquashfs", "-c", path, image.string()});
    fs::remove(image);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return result.out;
}

std::vector<fs::path> leftovers(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.front() == '.' && name.find(".sifkit-") != std::string::npos) {
            out.push_back(entry.path());
        }
    }
    return out;
}

std::string layout_digest(const fs::path& layout, const std::string& tag) {
    const auto index = nlohmann::json::parse(read_text(layout / "index.json"));
    for (const auto& m : index["manifests"]) {
        if (m.contains("annotations") &&
            m["annotations"].value("org.opencontainers.image.ref.name", "") == tag) {
            return m["digest"].get<std::string>();
        }
    }
    FAIL("no tag " << tag << " in " << layout);
    return {};
}

std::string big_layer() {
    const auto manifest = nlohmann::json::parse(
        sifkit::test::read_file(fixtures() / "layout" / "blobs" / "sha256" /
                                layout_digest(fixtures() / "layout", "latest").substr(7)));
    std::string digest;
    std::uint64_t size = 0;
    for (const auto& layer : manifest["layers"]) {
        if (layer["size"].get<std::uint64_t>() > size) {
            size = layer["size"].get<std::uint64_t>();
            digest = layer["digest"].get<std::string>();
        }
    }
    REQUIRE(size > 2000000);
    return digest;
}

}  // namespace registry_test
