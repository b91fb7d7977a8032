// sifkit inspect docker://: field for field what `skopeo inspect` prints for the same image of
// the seeded registry, --raw the bytes the registry serves, --config the config blob, platforms
// chosen from an index, errors as for pull, and no layer downloaded.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "registry_support.hpp"
#include "sifkit/test/json_fields.hpp"

using namespace registry_test;
namespace t = sifkit::test;

namespace {

t::RunResult skopeo(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"skopeo"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto result = t::run(argv);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return result;
}

}  // namespace

TEST_CASE("inspect docker:// prints skopeo's fields", "[inspect]") {
    Registry& reg = seeded();
    Env env;
    const std::string ref = "docker://" + reg.host() + "/fixture:latest";
    const std::size_t blob_gets = reg.count("GET", "/fixture/blobs/");
    const auto ours = json_of(sifkit_ok(env, {"inspect", "--json", "--insecure", ref}));
    // The config and nothing else: no layer was downloaded.
    CHECK(reg.count("GET", "/fixture/blobs/") == blob_gets + 1);
    for (const auto& layer : ours["Layers"]) {
        CHECK(reg.count("GET", "/blobs/" + layer.get<std::string>()) == 0);
    }
    const auto theirs = nlohmann::json::parse(skopeo({"inspect", "--tls-verify=false", ref}).out);
    sifkit::test::check_same_fields(ours, theirs, 10);
    CHECK(ours["Name"] == reg.host() + "/fixture");
    CHECK(ours["Digest"] == layout_digest(fixtures() / "layout", "latest"));
    CHECK(ours["RepoTags"] == nlohmann::json::array({"latest"}));
    REQUIRE(ours["LayersData"].size() == 4);
    CHECK(ours["LayersData"][0]["MIMEType"] == "application/vnd.oci.image.layer.v1.tar+gzip");
    CHECK(ours["LayersData"][0]["Digest"] == ours["Layers"][0]);
}

TEST_CASE("inspect --raw and --config are the documents the registry serves", "[inspect]") {
    Registry& reg = seeded();
    Env env;
    for (const std::string name : {"fixture", "multi"}) {
        const std::string ref = "docker://" + reg.host() + "/" + name + ":latest";
        const auto raw = sifkit_ok(env, {"inspect", "--raw", "--insecure", ref}).out;
        CHECK(raw == skopeo({"inspect", "--tls-verify=false", "--raw", ref}).out);
        const auto digest =
            json_of(sifkit_ok(env, {"inspect", "--json", "--insecure", ref}))["Digest"];
        CHECK("sha256:" + t::sha256_hex(raw) == digest.get<std::string>());
    }
    // --raw resolves nothing: an index with no image for the platform asked is still shown.
    const std::string multi = "docker://" + reg.host() + "/multi:latest";
    CHECK(sifkit_ok(env, {"inspect", "--raw", "--insecure", "--platform", "linux/s390x", multi})
              .out == skopeo({"inspect", "--tls-verify=false", "--raw", multi}).out);
    const std::string ref = "docker://" + reg.host() + "/derived:latest";
    const auto config = sifkit_ok(env, {"inspect", "--config", "--insecure", ref}).out;
    CHECK(config == skopeo({"inspect", "--tls-verify=false", "--config", "--raw", ref}).out);
}

TEST_CASE("inspect --platform picks one image of an index as skopeo does", "[inspect]") {
    Registry& reg = seeded();
    Env env;
    const std::string ref = "docker://" + reg.host() + "/multi:latest";
    const auto ours = json_of(
        sifkit_ok(env, {"inspect", "--json", "--insecure", "--platform", "linux/arm64/v8", ref}));
    const auto theirs = nlohmann::json::parse(
        skopeo({"--override-os", "linux", "--override-arch", "arm64", "--override-variant", "v8",
                "inspect", "--tls-verify=false", ref})
            .out);
    sifkit::test::check_same_fields(ours, theirs, 10);
    CHECK(ours["Architecture"] == "arm64");
    CHECK(ours["Variant"] == "v8");
    const auto amd64 = json_of(
        sifkit_ok(env, {"inspect", "--json", "--insecure", "--platform", "linux/amd64", ref}));
    CHECK(amd64["Architecture"] == "amd64");
    CHECK(amd64["Layers"] != ours["Layers"]);
    // The index's config as skopeo reads it for that platform.
    CHECK(sifkit_ok(env, {"inspect", "--config", "--insecure", "--platform", "linux/arm64/v8", ref})
              .out ==
          skopeo({"--override-os", "linux", "--override-arch", "arm64", "--override-variant", "v8",
                  "inspect", "--tls-verify=false", "--config", "--raw", ref})
              .out);
}

TEST_CASE("inspect errors are one line with the fix, as for pull", "[inspect]") {
    Registry& reg = seeded();
    Env env;
    const std::string host = reg.host();

    const auto platform = run_sifkit(
        env, {"inspect", "--insecure", "--platform", "linux/s390x", "docker://" + host + "/multi"});
    CHECK(platform.exit_code == 5);
    CHECK(platform.err.find("linux/amd64") != std::string::npos);
    CHECK(platform.err.find("linux/arm64/v8") != std::string::npos);
    CHECK(platform.err.find("--platform") != std::string::npos);

    const auto tag =
        run_sifkit(env, {"inspect", "--insecure", "docker://" + host + "/fixture:nope"});
    CHECK(tag.exit_code == 5);
    CHECK(tag.err.find("nope") != std::string::npos);

    const auto plain = run_sifkit(env, {"inspect", "docker://" + host + "/fixture:latest"});
    CHECK(plain.exit_code != 0);
    CHECK(plain.err.find("--insecure") != std::string::npos);

    for (const auto* r : {&platform, &tag, &plain}) {
        INFO(r->err);
        CHECK(std::count(r->err.begin(), r->err.end(), '\n') == 1);
    }
}

namespace {

// Bytes the registry sent for GETs of paths containing `path_part` (its access log: the size
// after the status).
std::uint64_t bytes_sent(const Registry& reg, const std::string& path_part) {
    std::ifstream in(reg.log());
    std::string line;
    std::uint64_t total = 0;
    while (std::getline(in, line)) {
        const auto get = line.find("\"GET ");
        if (get == std::string::npos || line.find(path_part, get) == std::string::npos) {
            continue;
        }
        const auto end = line.find("\" ", get + 1);
        std::istringstream rest(line.substr(end + 2));
        int status = 0;
        std::uint64_t size = 0;
        if (rest >> status >> size) {
            total += size;
        }
    }
    return total;
}

}  // namespace

TEST_CASE("inspect oras:// reads the artifact and, with --sif, only the SIF's header",
          "[inspect]") {
    Registry& reg = seeded();
    Env env;
    const fs::path image = env.dir / "image.sif";
    sifkit_ok(env, {"convert", "-q", "oci:" + (fixtures() / "layout").string() + ":latest",
                    image.string()});
    REQUIRE(fs::file_size(image) > (1 << 20));
    const std::string ref = "oras://" + reg.host() + "/sifs/inspected:v1";
    sifkit_ok(env, {"push", "-q", "--insecure", image.string(), ref});

    const auto before = bytes_sent(reg, "/sifs/inspected/blobs/");
    const auto json = json_of(sifkit_ok(env, {"inspect", "--json", "--sif", "--insecure", ref}));
    // The registry writes its access log after it answers: wait for the count to settle (the
    // header's request alone was once all there was when the log was read).
    std::uint64_t sent = bytes_sent(reg, "/sifs/inspected/blobs/") - before;
    for (int i = 0; i < 50; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const std::uint64_t now = bytes_sent(reg, "/sifs/inspected/blobs/") - before;
        if (now == sent && sent > 128) {
            break;
        }
        sent = now;
    }
    CHECK(sent < 64 * 1024);
    CHECK(sent > 128);
    CHECK(json["Name"] == reg.host() + "/sifs/inspected");
    REQUIRE(json["Layers"].size() == 1);
    CHECK(json["Layers"][0]["MIMEType"] == "application/vnd.sylabs.sif.layer.v1.sif");
    CHECK(json["Layers"][0]["Digest"] == "sha256:" + t::sha256_file(image));
    CHECK(json["Layers"][0]["Size"] == fs::file_size(image));
    // The header and descriptors are those of the file pushed.
    CHECK(json["SIF"]["header"] == json_of(sifkit_ok(env, {"header", "--json", image.string()})));
    CHECK(json["SIF"]["descriptors"] ==
          json_of(sifkit_ok(env, {"list", "--json", image.string()})));
    // --raw is the manifest the registry serves; its sha256 is Digest.
    const auto raw = sifkit_ok(env, {"inspect", "--raw", "--insecure", ref}).out;
    CHECK("sha256:" + t::sha256_hex(raw) == json["Digest"].get<std::string>());
    CHECK(raw == t::run({"skopeo", "inspect", "--tls-verify=false", "--raw",
                         "docker://" + reg.host() + "/sifs/inspected:v1"})
                     .out);

    // A container image is not a SIF artifact: the message names the transport to use.
    const auto image_ref =
        run_sifkit(env, {"inspect", "--insecure", "oras://" + reg.host() + "/fixture:latest"});
    CHECK(image_ref.exit_code == 7);
    CHECK(image_ref.err.find("docker://") != std::string::npos);
}
