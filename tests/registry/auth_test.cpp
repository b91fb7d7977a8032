// Authentication against a real registry: htpasswd basic auth and the bearer-token flow with a
// token service; credentials from --creds and from the auth files podman and docker write;
// login and logout.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "registry_support.hpp"

using namespace registry_test;
namespace t = sifkit::test;

namespace {

const fs::path& htpasswd_file() {
    static const fs::path path = [] {
        const fs::path p = scratch() / "htpasswd";
        const auto r = t::run({"htpasswd", "-Bbn", "alice", "s3cret"});
        REQUIRE(r.exit_code == 0);
        t::write_file(p, r.out);
        return p;
    }();
    return path;
}

Registry& basic_registry() {
    static std::unique_ptr<Registry> registry = [] {
        seeded();
        RegistryConfig config;
        config.storage = seeded_storage();
        config.htpasswd = htpasswd_file();
        return std::make_unique<Registry>("basic", config);
    }();
    return *registry;
}

std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("basic auth: credentials from --creds", "[auth]") {
    Registry& reg = basic_registry();
    Env env;
    const std::string ref = "docker://" + reg.host() + "/fixture:latest";
    const fs::path out = env.dir / "out.sif";

    const auto anonymous = run_sifkit(env, {"pull", "-q", "--insecure", ref, out.string()});
    CHECK(anonymous.exit_code == 8);
    CHECK(anonymous.err.find("authentication required: no credentials for " + reg.host()) !=
          std::string::npos);
    CHECK(anonymous.err.find("sifkit login " + reg.host()) != std::string::npos);
    CHECK(lines(anonymous.err) == 1);

    const auto wrong =
        run_sifkit(env, {"pull", "-q", "--insecure", "--creds", "alice:wrong", ref, out.string()});
    CHECK(wrong.exit_code == 8);
    CHECK(wrong.err.find("refused the credentials of user alice") != std::string::npos);
    CHECK(lines(wrong.err) == 1);
    CHECK_FALSE(fs::exists(out));

    sifkit_ok(env, {"pull", "-q", "--insecure", "--creds", "alice:s3cret", ref, out.string()});
    CHECK(file_in(out, "/etc/hostname").size() > 0);
    sifkit_ok(env, {"push", "-q", "--insecure", "--creds", "alice:s3cret", out.string(),
                    "oras://" + reg.host() + "/sifs/basic:v1"});
    CHECK(run_sifkit(env, {"push", "-q", "--insecure", out.string(),
                           "oras://" + reg.host() + "/sifs/basic:v2"})
              .exit_code == 8);
}

TEST_CASE("login stores credentials where podman reads them; logout removes them", "[auth]") {
    Registry& reg = basic_registry();
    Env env;
    const fs::path runtime = env.dir / "run";
    fs::create_directories(runtime);
    env.extra = {"XDG_RUNTIME_DIR=" + runtime.string()};
    const fs::path auth = runtime / "containers" / "auth.json";
    const std::string ref = "docker://" + reg.host() + "/fixture:latest";
    const fs::path out = env.dir / "out.sif";

    const auto refused =
        run_sifkit(env, {"login", "--insecure", "-u", "alice", "-p", "wrong", reg.host()});
    CHECK(refused.exit_code == 8);
    CHECK(lines(refused.err) == 1);
    CHECK_FALSE(fs::exists(auth));

    t::RunOptions stdin_password;
    stdin_password.stdin_data = "s3cret\n";
    stdin_password.env = env.settings();
    const auto login = t::run({t::sifkit_bin().string(), "login", "--insecure", "-u", "alice",
                               "--password-stdin", reg.host()},
                              stdin_password);
    INFO(login.describe());
    REQUIRE(login.exit_code == 0);
    REQUIRE(fs::exists(auth));
    struct stat st {};
    REQUIRE(::stat(auth.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const auto json = nlohmann::json::parse(t::read_file(auth));
    CHECK(json["auths"][reg.host()]["auth"] == "YWxpY2U6czNjcmV0");  // base64("alice:s3cret")

    sifkit_ok(env, {"pull", "-q", "--insecure", ref, out.string()});
    // skopeo (containers/image) reads the file sifkit wrote.
    const auto skopeo = t::run({"skopeo", "inspect", "--tls-verify=false", "--authfile",
                                auth.string(), "docker://" + reg.host() + "/fixture:latest"});
    CHECK(skopeo.exit_code == 0);

    sifkit_ok(env, {"logout", reg.host()});
    CHECK(nlohmann::json::parse(t::read_file(auth))["auths"].empty());
    CHECK(run_sifkit(env, {"pull", "-q", "--insecure", "--force", ref, out.string()}).exit_code ==
          8);
    CHECK(run_sifkit(env, {"logout", reg.host()}).exit_code == 5);
}

TEST_CASE("credentials from docker's config.json and $REGISTRY_AUTH_FILE", "[auth]") {
    Registry& reg = basic_registry();
    Env env;
    const std::string ref = "docker://" + reg.host() + "/fixture:latest";
    fs::create_directories(env.home / ".docker");
    std::ofstream(env.home / ".docker" / "config.json")
        << R"({"auths":{"http://)" << reg.host() << R"(":{"auth":"YWxpY2U6czNjcmV0"}},)"
        << R"("credsStore":"none"})";
    sifkit_ok(env, {"pull", "-q", "--insecure", ref, (env.dir / "a.sif").string()});

    // $REGISTRY_AUTH_FILE alone is read when set: a wrong entry there wins over config.json.
    const fs::path file = env.dir / "auth.json";
    std::ofstream(file) << R"({"auths":{")" << reg.host() << R"(/fixture":{"auth":")"
                        << "YWxpY2U6d3Jvbmc="
                        << R"("}}})";  // alice:wrong, repository-scoped
    env.extra = {"REGISTRY_AUTH_FILE=" + file.string()};
    const auto r = run_sifkit(env, {"pull", "-q", "--insecure", ref, (env.dir / "b.sif").string()});
    CHECK(r.exit_code == 8);
    CHECK(r.err.find("(from " + file.string() + ")") != std::string::npos);
}

TEST_CASE("bearer tokens: the challenge flow against a token service", "[auth]") {
    seeded();
    const fs::path dir = scratch() / "token";
    fs::create_directories(dir);
    const auto cert = t::run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                              (dir / "key.pem").string(), "-out", (dir / "cert.pem").string(),
                              "-days", "2", "-subj", "/CN=sifkit-test-token"});
    REQUIRE(cert.exit_code == 0);
    Daemon tokens({"python3", (helpers() / "token_server.py").string(), (dir / "port").string(),
                   (dir / "key.pem").string(), (dir / "cert.pem").string(), "sifkit-test",
                   "alice:s3cret", "reader:r3ad:pull"},
                  dir / "log");
    const unsigned token_port = wait_for_port_file(dir / "port");
    RegistryConfig config;
    config.storage = seeded_storage();
    config.token =
        RegistryConfig::Token{"http://127.0.0.1:" + std::to_string(token_port) + "/token",
                              "sifkit-registry", "sifkit-test", dir / "cert.pem"};
    Registry reg("token", config);
    Env env;
    const std::string ref = "docker://" + reg.host() + "/fixture:latest";
    const fs::path out = env.dir / "out.sif";

    const auto anonymous = run_sifkit(env, {"pull", "-q", "--insecure", ref, out.string()});
    CHECK(anonymous.exit_code == 8);
    CHECK(anonymous.err.find("authentication required") != std::string::npos);
    const auto wrong =
        run_sifkit(env, {"pull", "-q", "--insecure", "--creds", "alice:nope", ref, out.string()});
    CHECK(wrong.exit_code == 8);
    CHECK(wrong.err.find("token service refused the credentials of user alice") !=
          std::string::npos);
    CHECK(lines(wrong.err) == 1);
    CHECK_FALSE(fs::exists(out));

    sifkit_ok(env, {"pull", "-q", "--insecure", "--creds", "alice:s3cret", ref, out.string()});
    const fs::path like = env.dir / "like.sif";
    convert_like_pull(fixtures() / "layout", "latest", reg.host() + "/fixture:latest", like);
    CHECK(t::sha256_file(out) == t::sha256_file(like));

    // Push asks for pull,push; the mount into a second repository needs a token that also
    // grants pull on the first.
    const std::vector<std::string> creds{"--insecure", "--creds", "alice:s3cret", "--json"};
    auto push = [&](const std::string& repo) {
        std::vector<std::string> args{"push"};
        args.insert(args.end(), creds.begin(), creds.end());
        args.push_back(out.string());
        args.push_back("oras://" + reg.host() + "/" + repo + ":v1");
        return json_of(sifkit_ok(env, args));
    };
    CHECK(push("sifs/token-a")["blob"] == "uploaded");
    CHECK(push("sifs/token-b")["blob"] == "mounted");
    // A user who may pull but not push gets a message that says so.
    const auto reader =
        run_sifkit(env, {"push", "-q", "--insecure", "--creds", "reader:r3ad", out.string(),
                         "oras://" + reg.host() + "/sifs/token-c:v1"});
    INFO(reader.describe());
    CHECK(reader.exit_code == 8);
    // The message names the scope the token lacks. The order of actions and of the scopes varies:
    // the mount sources the cache knows (token-a, token-b) are asked for as well.
    CHECK(reader.err.find("does not grant ") != std::string::npos);
    CHECK(reader.err.find("repository:sifs/token-c:") != std::string::npos);
    CHECK(lines(reader.err) == 1);
    // One scope per repository, its actions merged, whatever order the registry's challenge
    // lists them in (docker-registry writes its scope list in Go map order: sending it on as it
    // came made the mount's token request differ in about 1 run of 64).
    const std::string log = t::read_file(dir / "log");
    CHECK(log.find("repository:sifs/token-a:pull,push") != std::string::npos);
    CHECK(log.find("repository:sifs/token-a:pull repository:sifs/token-b:pull,push") !=
          std::string::npos);
}

// In this file for the basic-auth registry; run with the other inspect tests (registry.inspect).
TEST_CASE("inspect docker:// asks for credentials as pull does", "[inspect]") {
    Registry& reg = basic_registry();
    Env env;
    const std::string ref = "docker://" + reg.host() + "/fixture:latest";
    const auto anonymous = run_sifkit(env, {"inspect", "--insecure", ref});
    CHECK(anonymous.exit_code == 8);
    CHECK(anonymous.err.find("sifkit login " + reg.host()) != std::string::npos);
    CHECK(lines(anonymous.err) == 1);
    const auto json = json_of(
        sifkit_ok(env, {"inspect", "--json", "--insecure", "--creds", "alice:s3cret", ref}));
    CHECK(json["Digest"] == layout_digest(fixtures() / "layout", "latest"));
    CHECK(json["RepoTags"] == nlohmann::json::array({"latest"}));
}
