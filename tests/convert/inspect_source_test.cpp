// sifkit inspect of local sources (oci:, oci-archive:, docker-archive:) against `skopeo inspect`
// on the same fixture images: every field both print is equal, --raw and --config are skopeo's
// bytes, an index's platform is chosen as convert chooses it, and bad sources are one line.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "convert_support.hpp"
#include "sifkit/test/json_fields.hpp"

using namespace convert_test;
namespace t = sifkit::test;

namespace {

// skopeo is one of the tools main.cpp requires (the suite is skipped without it).
std::string skopeo(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"skopeo", "--insecure-policy"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = t::run(argv);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return result.out;
}

std::string sifkit_ok(const std::vector<std::string>& args) {
    const auto result = run_sifkit(args);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    return result.out;
}

// One source, inspected by both, in every form.
void compare(const std::string& source, const std::vector<std::string>& skopeo_platform = {},
             const std::vector<std::string>& platform = {}) {
    INFO("source " << source);
    std::vector<std::string> args{"inspect"};
    args.insert(args.end(), platform.begin(), platform.end());
    auto with = [&](std::vector<std::string> more) {
        more.insert(more.begin(), args.begin(), args.end());
        more.push_back(source);
        return more;
    };
    std::vector<std::string> theirs_args = skopeo_platform;
    theirs_args.push_back("inspect");
    auto theirs_with = [&](std::vector<std::string> more) {
        more.insert(more.begin(), theirs_args.begin(), theirs_args.end());
        more.push_back(source);
        return more;
    };
    const auto ours = nlohmann::json::parse(sifkit_ok(with({"--json"})));
    const auto theirs = nlohmann::json::parse(skopeo(theirs_with({})));
    t::check_same_fields(ours, theirs, 8);
    const std::string raw = sifkit_ok(with({"--raw"}));
    CHECK(raw == skopeo(theirs_with({"--raw"})));
    CHECK("sha256:" + t::sha256_hex(raw) == ours["Digest"].get<std::string>());
    CHECK(sifkit_ok(with({"--config"})) == skopeo(theirs_with({"--config", "--raw"})));
}

}  // namespace

TEST_CASE("inspect of OCI layouts and archives equals skopeo inspect", "[inspect-source]") {
    const fs::path& fx = fixtures();
    compare("oci:" + (fx / "layout").string() + ":latest");
    compare("oci-archive:" + (fx / "image.oci.tar").string() + ":latest");
    compare("docker-archive:" + (fx / "image-ocistyle.docker.tar").string());
    compare("docker-archive:" + (fx / "image-ocistyle.docker.tar").string() +
            ":sifkit/fixture:latest");
    // Legacy `docker save` layout: layer members are symbolic links, which skopeo 1.9 sizes 0 in
    // the manifest it makes up (sifkit: the real size), so only Digest and --raw differ.
    const std::string legacy = "docker-archive:" + (fx / "image.docker.tar").string();
    auto ours = nlohmann::json::parse(sifkit_ok({"inspect", "--json", legacy}));
    auto theirs = nlohmann::json::parse(skopeo({"inspect", legacy}));
    CHECK(ours["Digest"] != theirs["Digest"]);
    ours.erase("Digest");
    theirs.erase("Digest");
    t::check_same_fields(ours, theirs, 8);
    CHECK(sifkit_ok({"inspect", "--config", legacy}) ==
          skopeo({"inspect", "--config", "--raw", legacy}));
    const auto named = nlohmann::json::parse(
        sifkit_ok({"inspect", "--json",
                   "docker-archive:" + (fx / "image-ocistyle.docker.tar").string() +
                       ":sifkit/fixture:latest"}));
    CHECK(named["Name"] == "docker.io/sifkit/fixture");
}

TEST_CASE("inspect --platform picks from a layout's index as skopeo does", "[inspect-source]") {
    const std::string multi = "oci:" + (fixtures() / "multi").string() + ":latest";
    compare(multi,
            {"--override-os", "linux", "--override-arch", "arm64", "--override-variant", "v8"},
            {"--platform", "linux/arm64/v8"});
    compare(multi, {"--override-os", "linux", "--override-arch", "amd64"},
            {"--platform", "linux/amd64"});
    const auto text = sifkit_ok({"inspect", "--platform", "linux/arm64/v8", multi});
    CHECK(text.find("Platform:     linux/arm64/v8") != std::string::npos);
    CHECK(text.find("linux/amd64, linux/arm64/v8") != std::string::npos);
}

TEST_CASE("inspect of the docs' multi-platform app image equals skopeo inspect",
          "[inspect-source]") {
    // tests/docs/make-app-image.py: an index as `docker buildx` pushes one, and an oci-archive.
    const fs::path dir = scratch() / "app-image";
    fs::create_directories(dir);
    const auto made =
        t::run({"python3", (t::repo_root() / "tests" / "docs" / "make-app-image.py").string(),
                dir.string()});
    INFO(made.describe());
    REQUIRE(made.exit_code == 0);
    const std::string layout = "oci:" + (dir / "layout").string() + ":latest";
    compare(layout, {"--override-os", "linux", "--override-arch", "arm64"},
            {"--platform", "linux/arm64"});
    compare(layout, {"--override-os", "linux", "--override-arch", "amd64"},
            {"--platform", "linux/amd64"});
    compare("oci-archive:" + (dir / "app.oci.tar").string() + ":v2");
}

TEST_CASE("inspect prints Created as skopeo does", "[inspect-source]") {
    // The fixture layout with a config whose creation time has a zero-padded fraction and a
    // +00:00 offset, which skopeo prints as Go formats times.
    const fs::path dir = scratch() / "created-layout";
    fs::remove_all(dir);
    fs::copy(fixtures() / "layout", dir, fs::copy_options::recursive);
    const char* script = R"(
import hashlib, json, os, sys
d = sys.argv[1]
def blob(digest): return os.path.join(d, 'blobs', 'sha256', digest[7:])
def put(data):
    digest = 'sha256:' + hashlib.sha256(data).hexdigest()
    open(blob(digest), 'wb').write(data)
    return digest, len(data)
index = json.load(open(os.path.join(d, 'index.json')))
entry = index['manifests'][0]
manifest = json.load(open(blob(entry['digest'])))
config = json.load(open(blob(manifest['config']['digest'])))
config['created'] = '2024-01-02T03:04:05.500000000+00:00'
manifest['config']['digest'], manifest['config']['size'] = put(json.dumps(config).encode())
entry['digest'], entry['size'] = put(json.dumps(manifest).encode())
index['manifests'] = [entry]
open(os.path.join(d, 'index.json'), 'w').write(json.dumps(index))
)";
    const auto made = t::run({"python3", "-c", script, dir.string()});
    INFO(made.describe());
    REQUIRE(made.exit_code == 0);
    const std::string source = "oci:" + dir.string();
    const auto ours = nlohmann::json::parse(sifkit_ok({"inspect", "--json", source}));
    CHECK(ours["Created"] == "2024-01-02T03:04:05.5Z");
    compare(source);
}

TEST_CASE("inspect of a bad local source is one line naming it", "[inspect-source]") {
    const fs::path& fx = fixtures();
    const auto platform = run_sifkit(
        {"inspect", "--platform", "linux/s390x", "oci:" + (fx / "multi").string() + ":latest"});
    CHECK(platform.exit_code == 5);
    CHECK(platform.err.find("linux/arm64/v8") != std::string::npos);

    const auto tag = run_sifkit({"inspect", "oci:" + (fx / "layout").string() + ":nope"});
    CHECK(tag.exit_code == 5);
    CHECK(tag.err.find("\"nope\"") != std::string::npos);

    const std::string missing = (scratch() / "no-such-layout").string();
    const auto absent = run_sifkit({"inspect", "oci:" + missing});
    CHECK(absent.exit_code != 0);
    CHECK(absent.err.find(missing) != std::string::npos);

    const auto sif_raw = run_sifkit({"inspect", "--raw", missing});
    CHECK(sif_raw.exit_code == 2);
    for (const auto* r : {&platform, &tag, &absent, &sif_raw}) {
        INFO(r->err);
        CHECK(std::count(r->err.begin(), r->err.end(), '\n') == 1);
    }
}
