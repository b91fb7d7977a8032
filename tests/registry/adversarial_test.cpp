// Hostile registries and a tampered cache (issue 13). A registry that answers an upload with a
// Location on another host or scheme gets the upload sent there, but never over plain HTTP
// from an HTTPS registry (without --insecure) and never with the registry's credentials; a
// blob in the cache whose bytes were changed is refused (and removed), not written out.
//
// The "registry" is a TLS front (fault_proxy.py --tls) of a docker-registry with htpasswd that
// rewrites the Location of upload answers (--location-origin) to "another host": a proxy of a
// second registry over the same storage and http.secret, which continues the upload.
#include <catch2/catch.hpp>
#include <fstream>

#include "registry_support.hpp"

using namespace registry_test;
namespace t = sifkit::test;

namespace {

std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The fixture converted: a SIF image whose middle bytes are squashfs data.
const fs::path& image() {
    static const fs::path path = [] {
        const fs::path p = scratch() / "adversarial.sif";
        Env env;
        sifkit_ok(env, {"convert", "-q", "oci:" + (fixtures() / "layout").string() + ":latest",
                        p.string()});
        return p;
    }();
    return path;
}

struct Hosts {
    fs::path htpasswd = scratch() / "htpasswd-adversarial";
    std::unique_ptr<Registry> guarded;  // htpasswd: alice:s3cret
    std::unique_ptr<Registry> other;    // no authentication, same storage and secret
    std::unique_ptr<Proxy> other_plain;
    std::unique_ptr<Proxy> other_tls;
    std::unique_ptr<Proxy> asks_tls;  // another host, that asks for credentials
};

Hosts& hosts() {
    static Hosts h = [] {
        Hosts k;
        seeded();
        const auto r = t::run({"htpasswd", "-Bbn", "alice", "s3cret"});
        REQUIRE(r.exit_code == 0);
        t::write_file(k.htpasswd, r.out);
        RegistryConfig config;
        config.storage = scratch() / "storage-adversarial";
        config.secret = "sifkit-adversarial-secret";
        RegistryConfig guarded = config;
        guarded.htpasswd = k.htpasswd;
        k.guarded = std::make_unique<Registry>("adversarial-guarded", guarded);
        k.other = std::make_unique<Registry>("adversarial-other", config);
        const std::vector<std::string> tls{"--tls", pki().cert.string(), pki().key.string()};
        k.other_plain = std::make_unique<Proxy>("other-plain", k.other->port());
        k.other_tls = std::make_unique<Proxy>("other-tls", k.other->port(), tls);
        auto asks = tls;
        asks.push_back("--ask-credentials");
        k.asks_tls = std::make_unique<Proxy>("asks-tls", k.other->port(), asks);
        return k;
    }();
    return h;
}

// A TLS front of the guarded registry that sends uploads to `origin`.
std::unique_ptr<Proxy> front(const std::string& name, const std::string& origin) {
    return std::make_unique<Proxy>(
        name, hosts().guarded->port(),
        std::vector<std::string>{"--tls", pki().cert.string(), pki().key.string(),
                                 "--location-origin", origin});
}

std::vector<std::string> push_args(const Proxy& registry, const std::string& repository,
                                   const std::vector<std::string>& options) {
    std::vector<std::string> args{"push", "-q",      "--no-cache",  "--retries",
                                  "0",    "--creds", "alice:s3cret"};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back(image().string());
    args.push_back("oras://" + registry.host() + "/" + repository + ":v1");
    return args;
}

std::size_t with_credentials(const Proxy& proxy) {
    std::size_t n = 0;
    for (const auto& r : proxy.requests()) {
        n += r["authorization"].is_null() ? 0U : 1U;
    }
    return n;
}

std::size_t puts_to(const Proxy& proxy) {
    std::size_t n = 0;
    for (const auto& r : proxy.requests()) {
        n += r["method"] == "PUT" ? 1U : 0U;
    }
    return n;
}

void flip_middle_byte(const fs::path& file) {
    fs::permissions(file, fs::perms::owner_write, fs::perm_options::add);
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(fs::file_size(file) / 2);
    f.seekg(middle);
    const char c = static_cast<char>(f.get());
    f.seekp(middle);
    f.put(static_cast<char>(c ^ 0x01));
    REQUIRE(f.good());
}

}  // namespace

TEST_CASE("push: an HTTPS registry's upload Location over plain HTTP is refused", "[adversarial]") {
    Hosts& h = hosts();
    Env env;
    const auto registry = front("front-plain", "http://" + h.other_plain->host());
    const auto r =
        run_sifkit(env, push_args(*registry, "sifs/adv-plain", {"--ca-file", pki().ca.string()}));
    INFO(r.describe());
    CHECK(r.exit_code == 3);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find("plain HTTP") != std::string::npos);
    CHECK(r.err.find("--insecure") != std::string::npos);
    // Nothing went to the other host, the credentials least of all; no tag was written.
    CHECK(with_credentials(*h.other_plain) == 0);
    CHECK(h.other_plain->requests().empty());
    CHECK(h.guarded->count("PUT", "/v2/sifs/adv-plain/manifests/") == 0);

    // --insecure allows plain HTTP (as for redirects); the credentials still stay home.
    const std::size_t before = puts_to(*h.other_plain);
    const auto insecure = run_sifkit(env, push_args(*registry, "sifs/adv-plain", {"--insecure"}));
    INFO(insecure.describe());
    CHECK(insecure.exit_code == 0);
    CHECK(puts_to(*h.other_plain) > before);
    CHECK(with_credentials(*h.other_plain) == 0);
}

TEST_CASE("push: an upload Location on another host gets the data, not the credentials",
          "[adversarial]") {
    Hosts& h = hosts();
    Env env;
    const auto registry = front("front-other", "https://" + h.other_tls->host());
    const std::vector<std::string> tls{"--ca-file", pki().ca.string()};
    const auto r = run_sifkit(env, push_args(*registry, "sifs/adv-other", tls));
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(puts_to(*h.other_tls) >= 2);  // the SIF and the config
    CHECK(with_credentials(*h.other_tls) == 0);
    CHECK(with_credentials(*registry) > 0);  // the registry itself got them

    // The artifact is complete: it pulls back byte for byte.
    const fs::path back = env.dir / "back.sif";
    sifkit_ok(env, {"pull", "-q", "--ca-file", pki().ca.string(), "--creds", "alice:s3cret",
                    "oras://" + registry->host() + "/sifs/adv-other:v1", back.string()});
    CHECK(t::sha256_file(back) == t::sha256_file(image()));
}

TEST_CASE("push: another host that asks for credentials does not get them", "[adversarial]") {
    Hosts& h = hosts();
    Env env;
    const auto registry = front("front-asks", "https://" + h.asks_tls->host());
    const auto r =
        run_sifkit(env, push_args(*registry, "sifs/adv-asks", {"--ca-file", pki().ca.string()}));
    INFO(r.describe());
    CHECK(r.exit_code == 8);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find(h.asks_tls->host()) != std::string::npos);
    CHECK(puts_to(*h.asks_tls) >= 1);
    CHECK(with_credentials(*h.asks_tls) == 0);
    CHECK(h.guarded->count("PUT", "/v2/sifs/adv-asks/manifests/") == 0);
}

TEST_CASE("pull oras://: a tampered SIF in the cache is refused and removed", "[adversarial]") {
    Registry& reg = seeded();
    Env env;
    const std::string ref = "oras://" + reg.host() + "/sifs/adv-cache:v1";
    sifkit_ok(env, {"push", "-q", "--insecure", image().string(), ref});
    sifkit_ok(env, {"pull", "-q", "--insecure", ref, (env.dir / "first.sif").string()});
    const std::string digest = "sha256:" + t::sha256_file(image());
    const fs::path cached = env.cache / "blobs" / "sha256" / digest.substr(7);
    REQUIRE(fs::exists(cached));
    flip_middle_byte(cached);
    REQUIRE(fs::file_size(cached) == fs::file_size(image()));

    const fs::path out = env.dir / "out.sif";
    const auto r = run_sifkit(env, {"pull", "-q", "--insecure", ref, out.string()});
    INFO(r.describe());
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("digest mismatch") != std::string::npos);
    CHECK(r.err.find(cached.string()) != std::string::npos);
    CHECK(lines(r.err) == 1);
    CHECK_FALSE(fs::exists(out));
    CHECK(leftovers(env.dir.path()).empty());
    CHECK_FALSE(fs::exists(cached));

    // The next pull downloads it again.
    const std::string blob_path = "/v2/sifs/adv-cache/blobs/" + digest;
    const std::size_t gets = reg.count("GET", blob_path, 200);
    sifkit_ok(env, {"pull", "-q", "--insecure", ref, out.string()});
    CHECK(t::sha256_file(out) == t::sha256_file(image()));
    CHECK(reg.count("GET", blob_path, 200) == gets + 1);
}

TEST_CASE("pull docker://: a tampered layer in the cache is refused and removed", "[adversarial]") {
    Registry& reg = seeded();
    Env env;
    const std::string ref = "docker://" + reg.host() + "/fixture:latest";
    const fs::path first = env.dir / "first.sif";
    sifkit_ok(env, {"pull", "-q", "--insecure", ref, first.string()});
    const std::string big = big_layer();
    const fs::path cached = env.cache / "blobs" / "sha256" / big.substr(7);
    REQUIRE(fs::exists(cached));
    flip_middle_byte(cached);

    const fs::path out = env.dir / "out.sif";
    const auto r = run_sifkit(env, {"pull", "-q", "--insecure", ref, out.string()});
    INFO(r.describe());
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("digest mismatch") != std::string::npos);
    CHECK(r.err.find(cached.string()) != std::string::npos);
    CHECK(lines(r.err) == 1);
    CHECK_FALSE(fs::exists(out));
    CHECK(leftovers(env.dir.path()).empty());
    CHECK_FALSE(fs::exists(cached));

    sifkit_ok(env, {"pull", "-q", "--insecure", ref, out.string()});
    CHECK(t::sha256_file(out) == t::sha256_file(first));
}
