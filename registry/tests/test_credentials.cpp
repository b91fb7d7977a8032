// Auth files: the formats podman and docker write, lookup order and specificity, login/logout
// writes that keep what else the file holds.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "sifkit/registry/credentials.hpp"
#include "sifkit/sif/base64.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/test/support.hpp"

namespace r = sifkit::registry;
namespace t = sifkit::test;
namespace fs = std::filesystem;

TEST_CASE("--creds splits at the first colon") {
    const auto c = r::Credentials::parse("bob:pa:ss");
    CHECK(c.username == "bob");
    CHECK(c.password == "pa:ss");
    CHECK_THROWS_AS(r::Credentials::parse("bob"), sifkit::Error);
    CHECK_THROWS_AS(r::Credentials::parse(":x"), sifkit::Error);
}

TEST_CASE("the most specific entry of the first file that has one wins") {
    t::TempDir dir;
    const fs::path podman = dir / "auth.json";
    const fs::path docker = dir / "config.json";
    t::write_file(podman, R"({"auths":{
        "quay.io": {"auth": ")" +
                              sifkit::sif::base64_encode("host:h") + R"("},
        "quay.io/team": {"auth": ")" +
                              sifkit::sif::base64_encode("team:t") + R"("}}})");
    t::write_file(docker, R"({"auths":{
        "https://index.docker.io/v1/": {"auth": ")" +
                              sifkit::sif::base64_encode("hub:d") + R"("},
        "http://127.0.0.1:5000": {"username": "old", "password": "style"},
        "quay.io": {"auth": ")" +
                              sifkit::sif::base64_encode("shadowed:x") + R"("}},
        "credsStore": "desktop"})");
    const std::vector<fs::path> files{dir / "missing.json", podman, docker};

    auto team = r::find_credentials(files, "quay.io", "team/app");
    REQUIRE(team);
    CHECK(team->credentials.username == "team");
    CHECK(team->key == "quay.io/team");
    CHECK(team->file == podman);
    CHECK(r::find_credentials(files, "quay.io", "other/app")->credentials.username == "host");
    CHECK(r::find_credentials(files, "docker.io", "library/debian")->credentials.password == "d");
    CHECK(r::find_credentials(files, "127.0.0.1:5000", "x")->credentials.username == "old");
    CHECK_FALSE(r::find_credentials(files, "ghcr.io", "x"));
}

TEST_CASE("malformed auth files are errors naming the file") {
    t::TempDir dir;
    const fs::path bad = dir / "bad.json";
    t::write_file(bad, "{not json");
    CHECK_THROWS_WITH(r::find_credentials({bad}, "h", "r"), Catch::Contains(bad.string()));
    t::write_file(bad, R"({"auths":{"h":{"auth":"bm9jb2xvbg=="}}})");  // "nocolon"
    CHECK_THROWS_WITH(r::find_credentials({bad}, "h", "r"), Catch::Contains("USER:PASSWORD"));
    t::write_file(bad, "\n");  // podman leaves empty files behind
    CHECK_FALSE(r::find_credentials({bad}, "h", "r"));
}

TEST_CASE("store and remove keep the rest of the file") {
    t::TempDir dir;
    const fs::path file = dir / "sub" / "auth.json";
    r::store_credentials(file, "a.example", {"alice", "one"});
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    // Another tool's member and entry survive sifkit's writes.
    auto json = nlohmann::json::parse(t::read_file(file));
    json["credHelpers"] = {{"gcr.io", "gcloud"}};
    json["auths"]["https://b.example"] = {{"auth", sifkit::sif::base64_encode("bob:two")}};
    t::write_file(file, json.dump());
    r::store_credentials(file, "a.example", {"alice", "three"});
    r::store_credentials(file, "b.example", {"bob", "four"});
    json = nlohmann::json::parse(t::read_file(file));
    CHECK(json["credHelpers"]["gcr.io"] == "gcloud");
    CHECK(json["auths"]["a.example"]["auth"] == sifkit::sif::base64_encode("alice:three"));
    CHECK(json["auths"]["b.example"]["auth"] == sifkit::sif::base64_encode("bob:four"));
    CHECK_FALSE(json["auths"].contains("https://b.example"));  // one entry per registry

    CHECK(r::remove_credentials(file, "a.example"));
    CHECK_FALSE(r::remove_credentials(file, "a.example"));
    CHECK_FALSE(r::remove_credentials(dir / "none.json", "a.example"));
    json = nlohmann::json::parse(t::read_file(file));
    CHECK_FALSE(json["auths"].contains("a.example"));
    CHECK(json["auths"].contains("b.example"));
}

TEST_CASE("which files are read and written") {
    t::TempDir dir;
    ::setenv("HOME", dir.path().c_str(), 1);
    ::unsetenv("REGISTRY_AUTH_FILE");
    ::setenv("XDG_RUNTIME_DIR", (dir / "run").c_str(), 1);
    const auto read = r::auth_files_to_read(std::nullopt);
    REQUIRE(read.size() == 3);
    CHECK(read[0] == dir / "run" / "containers" / "auth.json");
    CHECK(read[1] == dir / ".config" / "containers" / "auth.json");
    CHECK(read[2] == dir / ".docker" / "config.json");
    CHECK(r::auth_file_to_write(std::nullopt) == dir / "run" / "containers" / "auth.json");
    ::unsetenv("XDG_RUNTIME_DIR");
    CHECK(r::auth_file_to_write(std::nullopt) == dir / ".config" / "containers" / "auth.json");
    ::setenv("REGISTRY_AUTH_FILE", (dir / "mine.json").c_str(), 1);
    CHECK(r::auth_files_to_read(std::nullopt) == std::vector<fs::path>{dir / "mine.json"});
    CHECK(r::auth_file_to_write(std::nullopt) == dir / "mine.json");
    CHECK(r::auth_file_to_write(dir / "given.json") == dir / "given.json");
    ::unsetenv("REGISTRY_AUTH_FILE");
}
