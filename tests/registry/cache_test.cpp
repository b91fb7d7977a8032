// The blob cache: shared layers are downloaded once, a warm cache downloads nothing, two pulls
// at once share it, --no-cache leaves nothing behind, `cache list` and `cache clean`.
#include <catch2/catch.hpp>

#include "registry_support.hpp"

using namespace registry_test;
namespace t = sifkit::test;

namespace {

std::size_t files_under(const fs::path& dir) {
    std::size_t n = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         it != fs::recursive_directory_iterator(); ++it) {
        n += it->is_regular_file() ? 1U : 0U;
    }
    return n;
}

}  // namespace

TEST_CASE("a second pull downloads only the blobs it does not share", "[cache]") {
    Registry& reg = seeded();
    Env env;
    const std::string fixture = "docker://" + reg.host() + "/fixture:latest";
    const std::string derived = "docker://" + reg.host() + "/derived:latest";

    const std::size_t fixture_gets = reg.count("GET", "/v2/fixture/blobs/", 200);
    auto first = json_of(sifkit_ok(
        env, {"pull", "--json", "--insecure", fixture, (env.dir / "fixture.sif").string()}));
    CHECK(first["blobs"] == 5);
    CHECK(first["blobs_downloaded"] == 5);
    CHECK(first["blobs_from_cache"] == 0);
    CHECK(reg.count("GET", "/v2/fixture/blobs/", 200) - fixture_gets == 5);

    // derived = fixture's four layers + one new layer, and a new config.
    const std::size_t derived_gets = reg.count("GET", "/v2/derived/blobs/", 200);
    auto second = json_of(sifkit_ok(
        env, {"pull", "--json", "--insecure", derived, (env.dir / "derived.sif").string()}));
    CHECK(second["blobs"] == 6);
    CHECK(second["blobs_from_cache"] == 4);
    CHECK(second["blobs_downloaded"] == 2);
    CHECK(reg.count("GET", "/v2/derived/blobs/", 200) - derived_gets == 2);
    CHECK(file_in(env.dir / "derived.sif", "/derived.txt") == "derived layer\n");

    // Warm: the manifest is asked for (the tag may have moved), no blob is.
    const std::size_t before = reg.count("GET", "/blobs/");
    auto again = json_of(sifkit_ok(env, {"pull", "--json", "--insecure", "--force", derived,
                                         (env.dir / "derived.sif").string()}));
    CHECK(again["blobs_downloaded"] == 0);
    CHECK(again["bytes_downloaded"] == 0);
    CHECK(reg.count("GET", "/blobs/") == before);
}

TEST_CASE("a pull by digest from a warm cache makes no request at all", "[cache]") {
    Registry& reg = seeded();
    Env env;
    const std::string ref =
        "docker://" + reg.host() + "/fixture@" + layout_digest(fixtures() / "layout", "latest");
    sifkit_ok(env, {"pull", "-q", "--insecure", ref, (env.dir / "a.sif").string()});
    const auto json = json_of(
        sifkit_ok(env, {"pull", "--json", "--insecure", ref, (env.dir / "b.sif").string()}));
    CHECK(json["requests"] == 0);
    CHECK(json["blobs_from_cache"] == 5);
    CHECK(t::sha256_file(env.dir / "a.sif") == t::sha256_file(env.dir / "b.sif"));
}

TEST_CASE("two pulls at once share the cache: each blob is downloaded once", "[cache]") {
    Registry& reg = seeded();
    Env env;
    const std::string ref = "docker://" + reg.host() + "/derived:latest";
    const std::size_t gets = reg.count("GET", "/v2/derived/blobs/", 200);
    std::vector<std::string> sifkit{t::sifkit_bin().string(), "pull", "--json", "--insecure", ref};
    auto a_args = sifkit;
    a_args.push_back((env.dir / "a.sif").string());
    auto b_args = sifkit;
    b_args.push_back((env.dir / "b.sif").string());
    Async a(a_args, env.settings());
    Async b(b_args, env.settings());
    const auto ra = a.wait();
    const auto rb = b.wait();
    INFO(ra.describe() << "\n" << rb.describe());
    REQUIRE(ra.exit_code == 0);
    REQUIRE(rb.exit_code == 0);
    const auto ja = json_of(ra);
    const auto jb = json_of(rb);
    CHECK(ja["blobs_downloaded"].get<int>() + jb["blobs_downloaded"].get<int>() == 6);
    CHECK(ja["blobs_from_cache"].get<int>() + jb["blobs_from_cache"].get<int>() == 6);
    CHECK(reg.count("GET", "/v2/derived/blobs/", 200) - gets == 6);
    CHECK(t::sha256_file(env.dir / "a.sif") == t::sha256_file(env.dir / "b.sif"));
    CHECK(files_under(env.cache / "partial") == 0);
    CHECK(files_under(env.cache / "blobs") == 7);  // six blobs and the manifest
}

TEST_CASE("--no-cache downloads everything and keeps nothing", "[cache]") {
    Registry& reg = seeded();
    Env env;
    const auto json = json_of(sifkit_ok(
        env, {"pull", "--json", "--insecure", "--no-cache",
              "docker://" + reg.host() + "/fixture:latest", (env.dir / "out.sif").string()}));
    CHECK(json["blobs_downloaded"] == 5);
    CHECK_FALSE(fs::exists(env.cache));
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(env.dir.path())) {
        ++entries;
    }
    CHECK(entries == 2);  // home/ and out.sif
}

TEST_CASE("cache list and cache clean", "[cache]") {
    Registry& reg = seeded();
    Env env;
    sifkit_ok(env, {"pull", "-q", "--insecure", "docker://" + reg.host() + "/fixture:latest",
                    (env.dir / "out.sif").string()});
    auto list = json_of(sifkit_ok(env, {"cache", "list", "--json"}));
    CHECK(list["directory"] == env.cache.string());
    REQUIRE(list["blobs"].size() == 6);
    std::uint64_t total = 0;
    for (const auto& b : list["blobs"]) {
        CHECK(b["partial"] == false);
        CHECK(fs::file_size(env.cache / "blobs" / "sha256" /
                            b["digest"].get<std::string>().substr(7)) ==
              b["size"].get<std::uint64_t>());
        total += b["size"].get<std::uint64_t>();
    }
    CHECK(list["bytes"] == total);
    const auto text = sifkit_ok(env, {"cache", "list"});
    CHECK(text.out.find("6 blob(s)") != std::string::npos);

    CHECK(sifkit_ok(env, {"cache", "clean", "--older-than", "30d"}).out.find("removed 0 blob(s)") !=
          std::string::npos);
    // A size limit one byte under the total: the least recently used blobs go until it fits.
    const auto trimmed =
        sifkit_ok(env, {"cache", "clean", "--max-size", std::to_string(total - 1)});
    CHECK(trimmed.out.find("removed 0 blob(s)") == std::string::npos);
    const auto kept = json_of(sifkit_ok(env, {"cache", "list", "--json"}));
    CHECK(kept["bytes"].get<std::uint64_t>() <= total - 1);
    const std::size_t left = kept["blobs"].size();
    CHECK((left > 0 && left < 6));
    CHECK(sifkit_ok(env, {"cache", "clean"})
              .out.find("removed " + std::to_string(left) + " blob(s)") != std::string::npos);
    CHECK(json_of(sifkit_ok(env, {"cache", "list", "--json"}))["blobs"].empty());
    CHECK(run_sifkit(env, {"cache", "clean", "--older-than", "soon"}).exit_code == 2);
    CHECK(run_sifkit(env, {"cache", "clean", "--max-size", "lots"}).exit_code == 2);
    const auto negative = run_sifkit(env, {"cache", "clean", "--max-size=-5"});
    CHECK(negative.exit_code == 2);
    CHECK(negative.err.find("--max-size is not a size: -5") != std::string::npos);
}
