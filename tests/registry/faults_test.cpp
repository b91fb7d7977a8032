// Faults between sifkit and the registry, injected by a proxy (fault_proxy.py): a connection
// cut in the middle of a blob, the registry stopped in the middle of a pull, a blob that does
// not match its digest, transient 503 answers.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "registry_support.hpp"

using namespace registry_test;
namespace t = sifkit::test;

namespace {

std::vector<nlohmann::json> requests_for(const Proxy& proxy, const std::string& digest) {
    std::vector<nlohmann::json> out;
    for (const auto& r : proxy.requests()) {
        if (r["method"] == "GET" &&
            r["path"].get<std::string>().find(digest) != std::string::npos) {
            out.push_back(r);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("a connection cut in the middle of a blob is resumed with a range request", "[faults]") {
    Registry& reg = seeded();
    Env env;
    Proxy proxy("cut", reg.port(),
                {"--cut-after", "100000", "--cut-times", "2", "--min-size", "1000000"});
    const fs::path out = env.dir / "out.sif";
    const auto json =
        json_of(sifkit_ok(env, {"pull", "--json", "--insecure",
                                "docker://" + proxy.host() + "/fixture:latest", out.string()}));
    CHECK(json["retries"].get<int>() >= 2);
    const auto gets = requests_for(proxy, big_layer());
    REQUIRE(gets.size() == 3);
    CHECK(gets[0]["fault"] == "cut");
    CHECK(gets[1]["range"] == "bytes=100000-");
    CHECK(gets[1]["fault"] == "cut");
    CHECK(gets[2]["range"] == "bytes=200000-");
    CHECK(gets[2]["status"] == 206);
    const fs::path like = env.dir / "like.sif";
    convert_like_pull(fixtures() / "layout", "latest", proxy.host() + "/fixture:latest", like);
    CHECK(t::sha256_file(out) == t::sha256_file(like));
}

TEST_CASE("the registry stopped mid-pull: a clean error, then the next pull resumes", "[faults]") {
    seeded();
    RegistryConfig config;
    config.storage = seeded_storage();
    Registry reg("stopped", config);
    Env env;
    const std::string big = big_layer();
    const fs::path marker = env.dir / "stalled";
    auto proxy =
        std::make_unique<Proxy>("stall", reg.port(),
                                std::vector<std::string>{"--stall-after", "1500000", "--marker",
                                                         marker.string(), "--min-size", "1000000"});
    const fs::path out = env.dir / "out.sif";
    std::vector<std::string> argv{t::sifkit_bin().string(),
                                  "pull",
                                  "-q",
                                  "--insecure",
                                  "--retries",
                                  "2",
                                  "docker://" + proxy->host() + "/fixture:latest",
                                  out.string()};
    Async pull(argv, env.settings());
    for (int i = 0; i < 600 && !fs::exists(marker); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(fs::exists(marker));
    reg.stop();
    proxy->stop();  // the connection in the middle of the blob goes down with it
    const auto failed = pull.wait();
    INFO(failed.describe());
    CHECK(failed.exit_code == 3);
    CHECK(failed.err.find("gave up after 2 retries") != std::string::npos);
    CHECK(std::count(failed.err.begin(), failed.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(out));
    CHECK(leftovers(env.dir.path()).empty());
    const fs::path partial = env.cache / "partial" / "sha256" / big.substr(7);
    REQUIRE(fs::exists(partial));
    const auto kept = fs::file_size(partial);
    CHECK(kept == 1500000);

    reg.start();
    Proxy again("after-stall", reg.port());
    const auto json =
        json_of(sifkit_ok(env, {"pull", "--json", "--insecure",
                                "docker://" + again.host() + "/fixture:latest", out.string()}));
    CHECK(json["blobs_resumed"] == 1);
    const auto gets = requests_for(again, big);
    REQUIRE(gets.size() == 1);
    CHECK(gets[0]["range"] == "bytes=" + std::to_string(kept) + "-");
    CHECK(gets[0]["status"] == 206);
    CHECK_FALSE(fs::exists(partial));
    const fs::path like = env.dir / "like.sif";
    convert_like_pull(fixtures() / "layout", "latest", again.host() + "/fixture:latest", like);
    CHECK(t::sha256_file(out) == t::sha256_file(like));
}

TEST_CASE("a blob that does not match its digest is refused and not cached", "[faults]") {
    Registry& reg = seeded();
    Env env;
    const std::string big = big_layer();
    Proxy proxy("flip", reg.port(), {"--flip", big});
    const fs::path out = env.dir / "out.sif";
    const auto r = run_sifkit(env, {"pull", "-q", "--insecure",
                                    "docker://" + proxy.host() + "/fixture:latest", out.string()});
    INFO(r.describe());
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("digest mismatch") != std::string::npos);
    CHECK(r.err.find(big) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(out));
    CHECK(leftovers(env.dir.path()).empty());
    CHECK_FALSE(fs::exists(env.cache / "blobs" / "sha256" / big.substr(7)));
    CHECK_FALSE(fs::exists(env.cache / "partial" / "sha256" / big.substr(7)));

    // Nothing bad stayed behind: straight from the registry the same cache pulls fine.
    sifkit_ok(env, {"pull", "-q", "--insecure", "docker://" + reg.host() + "/fixture:latest",
                    out.string()});
}

TEST_CASE("transient 503 answers are retried with backoff", "[faults]") {
    Registry& reg = seeded();
    Env env;
    Proxy proxy("unavailable", reg.port(), {"--fail-first", "3"});
    const auto json = json_of(sifkit_ok(
        env, {"pull", "--json", "--insecure", "docker://" + proxy.host() + "/fixture:latest",
              (env.dir / "out.sif").string()}));
    CHECK(json["retries"].get<int>() >= 2);

    Proxy always("always-unavailable", reg.port(), {"--fail-first", "1000"});
    const auto r = run_sifkit(
        env, {"pull", "-q", "--insecure", "--retries", "1",
              "docker://" + always.host() + "/fixture:latest", (env.dir / "never.sif").string()});
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("HTTP 503") != std::string::npos);
    CHECK_FALSE(fs::exists(env.dir / "never.sif"));
}
