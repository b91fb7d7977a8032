// SIF files through registries as ORAS artifacts: push and pull round trips, the media types
// Apptainer and SingularityCE use (both ways, and skopeo reading what sifkit pushed), existing
// and mounted blobs, chunked uploads, signatures verified on arrival, wrong kinds refused.
#include <catch2/catch.hpp>

#include "registry_support.hpp"

using namespace registry_test;
namespace t = sifkit::test;

namespace {

// A SIF image to push (the fixture converted), one per run.
const fs::path& image() {
    static const fs::path path = [] {
        const fs::path p = scratch() / "image.sif";
        Env env;
        sifkit_ok(env, {"convert", "-q", "oci:" + (fixtures() / "layout").string() + ":latest",
                        p.string()});
        return p;
    }();
    return path;
}

}  // namespace

TEST_CASE("push and pull a SIF file as an ORAS artifact", "[oras]") {
    Registry& reg = seeded();
    Env env;
    const std::string ref = "oras://" + reg.host() + "/sifs/app:v1";
    const auto pushed =
        json_of(sifkit_ok(env, {"push", "--json", "--insecure", image().string(), ref}));
    CHECK(pushed["blob"] == "uploaded");
    CHECK(pushed["blob_digest"] == "sha256:" + t::sha256_file(image()));
    const std::string manifest_digest = pushed["manifest_digest"];

    const fs::path back = env.dir / "back.sif";
    sifkit_ok(env, {"pull", "-q", "--insecure", ref, back.string()});
    CHECK(t::sha256_file(back) == t::sha256_file(image()));
    const fs::path by_digest = env.dir / "by-digest.sif";
    sifkit_ok(env, {"pull", "-q", "--insecure",
                    "oras://" + reg.host() + "/sifs/app@" + manifest_digest, by_digest.string()});
    CHECK(t::sha256_file(by_digest) == t::sha256_file(image()));

    // The manifest as Apptainer writes it.
    const auto raw = t::run({"skopeo", "inspect", "--raw", "--tls-verify=false",
                             "docker://" + reg.host() + "/sifs/app:v1"});
    REQUIRE(raw.exit_code == 0);
    CHECK("sha256:" + t::sha256_hex(raw.out) == manifest_digest);
    const auto m = nlohmann::json::parse(raw.out);
    CHECK(m["mediaType"] == "application/vnd.oci.image.manifest.v1+json");
    CHECK(m["config"]["mediaType"] == "application/vnd.sylabs.sif.config.v1+json");
    CHECK(m["config"]["size"] == 2);
    CHECK(m["config"]["digest"] == "sha256:" + t::sha256_hex("{}"));
    REQUIRE(m["layers"].size() == 1);
    CHECK(m["layers"][0]["mediaType"] == "application/vnd.sylabs.sif.layer.v1.sif");
    CHECK(m["layers"][0]["annotations"]["org.opencontainers.image.title"] == "image.sif");
    CHECK(m["annotations"]["org.opencontainers.image.created"] == "2024-01-02T03:04:05Z");

    // Pushing again uploads nothing; to another repository the blob is mounted.
    const std::size_t blob_puts = reg.count("PUT", "/v2/sifs/app/blobs/uploads/");
    CHECK(json_of(sifkit_ok(
              env, {"push", "--json", "--insecure", image().string(), ref}))["blob"] == "present");
    CHECK(reg.count("PUT", "/v2/sifs/app/blobs/uploads/") == blob_puts);
    CHECK(json_of(sifkit_ok(env, {"push", "--json", "--insecure", image().string(),
                                  "oras://" + reg.host() + "/sifs/copy:v1"}))["blob"] == "mounted");
    CHECK(reg.count("POST", "/v2/sifs/copy/blobs/uploads/?mount=", 201) == 1);
    CHECK(sifkit_ok(env, {"push", "--insecure", image().string(),
                          "oras://" + reg.host() + "/sifs/copy:v2"})
              .out.find("blob present") != std::string::npos);
}

TEST_CASE("skopeo reads what sifkit pushes, and sifkit pulls what other clients push", "[oras]") {
    Registry& reg = seeded();
    Env env;
    sifkit_ok(env, {"push", "-q", "--insecure", image().string(),
                    "oras://" + reg.host() + "/sifs/interop:v1"});
    // skopeo copies the artifact to an OCI layout: the SIF is a blob there, byte for byte.
    const fs::path layout = env.dir / "layout";
    const auto copy =
        t::run({"skopeo", "--insecure-policy", "copy", "--quiet", "--src-tls-verify=false",
                "docker://" + reg.host() + "/sifs/interop:v1", "oci:" + layout.string() + ":v1"});
    INFO(copy.describe());
    REQUIRE(copy.exit_code == 0);
    CHECK(t::sha256_file(layout / "blobs" / "sha256" / t::sha256_file(image())) ==
          t::sha256_file(image()));
    // ... and back to the registry under another name: sifkit pulls skopeo's push.
    skopeo_copy("oci:" + layout.string() + ":v1", "docker://" + reg.host() + "/sifs/by-skopeo:v1");
    const fs::path back = env.dir / "by-skopeo.sif";
    sifkit_ok(env, {"pull", "-q", "--insecure", "oras://" + reg.host() + "/sifs/by-skopeo:v1",
                    back.string()});
    CHECK(t::sha256_file(back) == t::sha256_file(image()));

    for (const std::string style : {"apptainer", "singularity", "legacy"}) {
        INFO(style);
        const auto push = t::run({"python3", (helpers() / "push_artifact.py").string(), reg.host(),
                                  "sifs/" + style, "v1", image().string(), style});
        INFO(push.describe());
        REQUIRE(push.exit_code == 0);
        const fs::path out = env.dir / (style + ".sif");
        sifkit_ok(env, {"pull", "-q", "--insecure",
                        "oras://" + reg.host() + "/sifs/" + style + ":v1", out.string()});
        CHECK(t::sha256_file(out) == t::sha256_file(image()));
    }
}

TEST_CASE("large SIF files go up in chunks", "[oras]") {
    Registry& reg = seeded();
    Env env;
    const std::size_t patches = reg.count("PATCH", "/v2/sifs/chunked/blobs/uploads/", 202);
    const auto pushed =
        json_of(sifkit_ok(env, {"push", "--json", "--insecure", "--no-cache", "--chunk-size", "1M",
                                image().string(), "oras://" + reg.host() + "/sifs/chunked:v1"}));
    CHECK(pushed["blob"] == "uploaded");
    const auto size = fs::file_size(image());
    CHECK(reg.count("PATCH", "/v2/sifs/chunked/blobs/uploads/", 202) - patches ==
          (size + (1 << 20) - 1) / (1 << 20));
    const fs::path back = env.dir / "back.sif";
    sifkit_ok(env, {"pull", "-q", "--insecure", "oras://" + reg.host() + "/sifs/chunked:v1",
                    back.string()});
    CHECK(t::sha256_file(back) == t::sha256_file(image()));
}

TEST_CASE("pull --verify-key writes the image only when its signature verifies", "[oras]") {
    Registry& reg = seeded();
    Env env;
    const fs::path site = env.dir / "site";
    const fs::path other = env.dir / "other";
    sifkit_ok(env, {"key", "generate", site.string()});
    sifkit_ok(env, {"key", "generate", other.string()});
    const fs::path signed_image = env.dir / "signed.sif";
    t::copy_file(image(), signed_image);
    sifkit_ok(env, {"sign", signed_image.string(), "--key", site.string() + ".key"});
    sifkit_ok(env, {"push", "-q", "--insecure", signed_image.string(),
                    "oras://" + reg.host() + "/sifs/signed:v1"});
    sifkit_ok(env, {"push", "-q", "--insecure", image().string(),
                    "oras://" + reg.host() + "/sifs/unsigned:v1"});
    const fs::path pulled = env.dir / "pulled";
    fs::create_directories(pulled);

    const fs::path good = pulled / "good.sif";
    const auto ok = sifkit_ok(env, {"pull", "--insecure", "--verify-key", site.string() + ".pub",
                                    "oras://" + reg.host() + "/sifs/signed:v1", good.string()});
    CHECK(ok.out.find("verified") != std::string::npos);
    CHECK(t::sha256_file(good) == t::sha256_file(signed_image));

    struct Case {
        std::string reference;
        std::string key;
        int code;
    };
    for (const Case& c : std::vector<Case>{
             {"oras://" + reg.host() + "/sifs/signed:v1", other.string() + ".pub", 12},
             {"oras://" + reg.host() + "/sifs/unsigned:v1", site.string() + ".pub", 10},
             {"docker://" + reg.host() + "/fixture:latest", site.string() + ".pub", 10},
         }) {
        const fs::path out = pulled / "refused.sif";
        const auto r = run_sifkit(
            env, {"pull", "-q", "--insecure", "--verify-key", c.key, c.reference, out.string()});
        INFO(r.describe());
        CHECK(r.exit_code == c.code);
        CHECK_FALSE(fs::exists(out));
    }
    CHECK(leftovers(pulled).empty());
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(pulled)) {
        ++entries;
    }
    CHECK(entries == 1);  // good.sif only

    // A missing key file fails before anything is downloaded.
    CHECK(run_sifkit(env,
                     {"pull", "-q", "--insecure", "--verify-key", (env.dir / "nope.pub").string(),
                      "oras://" + reg.host() + "/sifs/signed:v1", (pulled / "x.sif").string()})
              .exit_code != 0);
    CHECK_FALSE(fs::exists(pulled / "x.sif"));
}

TEST_CASE("containers and SIF artifacts are not mixed up", "[oras]") {
    Registry& reg = seeded();
    Env env;
    sifkit_ok(env, {"push", "-q", "--insecure", image().string(),
                    "oras://" + reg.host() + "/sifs/kinds:v1"});
    const fs::path out = env.dir / "out.sif";
    const auto as_image = run_sifkit(
        env,
        {"pull", "-q", "--insecure", "docker://" + reg.host() + "/sifs/kinds:v1", out.string()});
    CHECK(as_image.exit_code == 7);
    CHECK(as_image.err.find("pull it with oras://") != std::string::npos);
    CHECK_FALSE(fs::exists(out));

    const auto oci = run_sifkit(env, {"push", "--insecure", "--format", "oci", image().string(),
                                      "oras://" + reg.host() + "/sifs/as-oci:v1"});
    CHECK(oci.exit_code == 2);
    CHECK(oci.err.find("docker://") != std::string::npos);
    CHECK(run_sifkit(env, {"push", "--insecure", image().string(),
                           "docker://" + reg.host() + "/sifs/x:v1"})
              .exit_code == 2);
    CHECK(run_sifkit(env, {"push", "--insecure", image().string(),
                           "oras://" + reg.host() + "/sifs/x@sha256:" + std::string(64, 'a')})
              .exit_code == 2);
    const fs::path not_sif = env.dir / "not.sif";
    t::write_file(not_sif, "hello");
    CHECK(run_sifkit(
              env, {"push", "--insecure", not_sif.string(), "oras://" + reg.host() + "/sifs/x:v1"})
              .exit_code == 4);
}

namespace {

// unsquashfs listing lines outside /.singularity.d (which a conversion makes anew).
std::vector<std::string> root_tree(const fs::path& sif) {
    std::vector<std::string> out;
    for (const std::string& line : listing_of(sif)) {
        if (line.find("/.singularity.d") == std::string::npos) {
            out.push_back(line);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("push --format oci: the image as an OCI image others copy and sifkit pulls back",
          "[oras]") {
    Registry& reg = seeded();
    Env env;
    const fs::path tmp = env.dir / "tmp";
    fs::create_directories(tmp);
    env.extra.push_back("TMPDIR=" + tmp.string());  // where the exported layout goes
    const std::string ref = "docker://" + reg.host() + "/oci/app:v1";
    const auto pushed = json_of(
        sifkit_ok(env, {"push", "--json", "--insecure", "--format", "oci", image().string(), ref}));
    CHECK(pushed["blobs"] == 2);  // config and the one layer
    CHECK(pushed["blob"] == "uploaded");

    // The manifest is the OCI export's, byte for byte: same digest as `export --format oci`.
    const fs::path layout = env.dir / "exported";
    sifkit_ok(env, {"export", "--format", "oci", image().string(), layout.string()});
    CHECK(pushed["manifest_digest"] == layout_digest(layout, "latest"));
    const auto raw = t::run({"skopeo", "inspect", "--raw", "--tls-verify=false", ref});
    REQUIRE(raw.exit_code == 0);
    CHECK("sha256:" + t::sha256_hex(raw.out) == pushed["manifest_digest"].get<std::string>());
    const auto m = nlohmann::json::parse(raw.out);
    CHECK(m["mediaType"] == "application/vnd.oci.image.manifest.v1+json");
    REQUIRE(m["layers"].size() == 1);
    CHECK(m["layers"][0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar");

    // skopeo copies it like any image; sifkit pulls it back into the same root tree.
    const fs::path copied = env.dir / "copied";
    const auto copy =
        t::run({"skopeo", "--insecure-policy", "copy", "--quiet", "--src-tls-verify=false",
                "--preserve-digests", ref, "oci:" + copied.string() + ":v1"});
    INFO(copy.describe());
    REQUIRE(copy.exit_code == 0);
    CHECK(layout_digest(copied, "v1") == pushed["manifest_digest"].get<std::string>());
    const fs::path back = env.dir / "back.sif";
    sifkit_ok(env, {"pull", "-q", "--insecure", ref, back.string()});
    CHECK(root_tree(back) == root_tree(image()));
    CHECK(file_in(back, "/etc/passwd") == file_in(image(), "/etc/passwd"));

    // Again: the blobs are there already, only the manifest goes up.
    const auto again = json_of(
        sifkit_ok(env, {"push", "--json", "--insecure", "--format", "oci", image().string(), ref}));
    CHECK(again["blob"] == "present");
    CHECK(again["bytes_uploaded"] == 0);
    CHECK(again["manifest_digest"] == pushed["manifest_digest"]);
    // The exported layout is gone from $TMPDIR.
    CHECK(fs::is_empty(tmp));
}
