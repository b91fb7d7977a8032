// pull --cosign-key: an image is converted only when a cosign signature by a trusted key names
// exactly the manifest digest being pulled; otherwise nothing is written (exit 10, 11 or 12 as
// verify uses them). The signatures are written by cosign_sign.py from the documented format and
// signed by the openssl CLI, so that sifkit's check meets an independent signer.
#include <algorithm>
#include <catch2/catch.hpp>

#include "registry_support.hpp"

using namespace registry_test;
namespace t = sifkit::test;

namespace {

struct CosignKeys {
    t::TempDir dir{"sifkit-cosign"};
    fs::path key = dir / "cosign.key";
    fs::path pub = dir / "cosign.pub";
    fs::path other_key = dir / "other.key";
    fs::path other_pub = dir / "other.pub";
    CosignKeys() {
        for (const auto& [k, p] : {std::pair{key, pub}, std::pair{other_key, other_pub}}) {
            REQUIRE(t::run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-out", k.string()})
                        .exit_code == 0);
            REQUIRE(t::run({"openssl", "pkey", "-in", k.string(), "-pubout", "-out", p.string()})
                        .exit_code == 0);
        }
    }
};

// A fresh repository holding the fixture image; returns its manifest digest.
std::string fresh_repository(Registry& reg, const std::string& repo) {
    skopeo_copy("docker://" + reg.host() + "/fixture:latest",
                "docker://" + reg.host() + "/" + repo + ":v1", {"--src-tls-verify=false"});
    const auto json = nlohmann::json::parse(t::run({"skopeo", "inspect", "--tls-verify=false",
                                                    "docker://" + reg.host() + "/" + repo + ":v1"})
                                                .out);
    return json["Digest"].get<std::string>();
}

void cosign_sign(Registry& reg, const std::string& repo, const std::string& digest,
                 const fs::path& key, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{
        "python3", (helpers() / "cosign_sign.py").string(), reg.host(), repo, digest, key.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto result = t::run(argv);
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
}

}  // namespace

TEST_CASE("pull --cosign-key converts only what the publisher's key signed", "[cosign]") {
    Registry& reg = seeded();
    CosignKeys keys;
    Env env;
    const std::string repo = "cosigned";
    const std::string digest = fresh_repository(reg, repo);
    const std::string ref = "docker://" + reg.host() + "/" + repo + ":v1";
    const auto pull = [&](const fs::path& key, const std::string& name) {
        return run_sifkit(env, {"pull", "-q", "--insecure", "--cosign-key", key.string(), ref,
                                (env.dir / name).string()});
    };

    // Not signed yet: exit 10, one line, nothing written.
    auto r = pull(keys.pub, "unsigned.sif");
    CHECK(r.exit_code == 10);
    CHECK(r.err.find("no cosign signature for " + digest) != std::string::npos);
    CHECK_FALSE(fs::exists(env.dir / "unsigned.sif"));

    // Signed for another digest by the right key: invalid, exit 11.
    cosign_sign(reg, repo, digest, keys.key, {"--names", "sha256:" + std::string(64, 'a')});
    r = pull(keys.pub, "other-digest.sif");
    CHECK(r.exit_code == 11);
    CHECK(r.err.find("the signature is for sha256:aaaa") != std::string::npos);
    CHECK_FALSE(fs::exists(env.dir / "other-digest.sif"));

    // A tampered payload verifies with no key; the other key's signature is not trusted: 12.
    cosign_sign(reg, repo, digest, keys.key, {"--tamper"});
    r = pull(keys.pub, "tampered.sif");
    CHECK(r.exit_code == 12);
    CHECK_FALSE(fs::exists(env.dir / "tampered.sif"));
    cosign_sign(reg, repo, digest, keys.other_key);
    r = pull(keys.pub, "other-key.sif");
    CHECK(r.exit_code == 12);
    CHECK(r.err.find("none by a trusted key") != std::string::npos);
    CHECK_FALSE(fs::exists(env.dir / "other-key.sif"));

    // A good signature beside the bad ones: converted, pinned to the digest, recorded.
    cosign_sign(reg, repo, digest, keys.key, {"--append"});
    r = pull(keys.pub, "good.sif");
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    const auto labels =
        nlohmann::json::parse(file_in(env.dir / "good.sif", "/.singularity.d/labels.json"));
    CHECK(labels["org.sifkit.cosign.manifest-digest"] == digest);
    CHECK(labels["org.sifkit.cosign.payload"].get<std::string>().find(digest) != std::string::npos);
    CHECK(
        file_in(env.dir / "good.sif", "/.singularity.d/Singularity").find(repo + ":v1@" + digest) !=
        std::string::npos);
    // Trusting the other key also works: it signed this digest too (the first layer).
    CHECK(pull(keys.other_pub, "other.sif").exit_code == 0);
    // cosign signs registry images, not ORAS artifacts: a usage error.
    CHECK(run_sifkit(env,
                     {"pull", "-q", "--insecure", "--cosign-key", keys.pub.string(),
                      "oras://" + reg.host() + "/" + repo + ":v1", (env.dir / "oras.sif").string()})
              .exit_code == 2);
}

TEST_CASE("pull --cosign-key finds signatures through the OCI 1.1 referrers API, and the tag",
          "[cosign]") {
    Registry& reg = seeded();
    CosignKeys keys;
    Env env;
    // Debian's docker-registry answers the referrers API with 404; the proxy serves it from the
    // indexes cosign_sign.py --referrers writes, and forwards everything else to the registry.
    t::TempDir referrers{"sifkit-referrers"};
    Proxy proxy("referrers", reg.port(), {"--referrers", referrers.path().string()});
    const auto pull = [&](const std::string& host, const std::string& repo,
                          const std::string& name) {
        return run_sifkit(env,
                          {"pull", "-q", "--insecure", "--cosign-key", keys.pub.string(),
                           "docker://" + host + "/" + repo + ":v1", (env.dir / name).string()});
    };

    // Signed the OCI 1.1 way only (a manifest with the image as subject, no .sig tag).
    const std::string digest = fresh_repository(reg, "referred");
    cosign_sign(reg, "referred", digest, keys.key, {"--referrers", referrers.path().string()});
    auto r = pull(proxy.host(), "referred", "referred.sif");
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    const auto labels =
        nlohmann::json::parse(file_in(env.dir / "referred.sif", "/.singularity.d/labels.json"));
    CHECK(labels["org.sifkit.cosign.manifest-digest"] == digest);
    bool asked = false;
    for (const auto& request : proxy.requests()) {
        asked |= request["path"] == "/v2/referred/referrers/" + digest +
                                        "?artifactType=application%2Fvnd.dev.cosign.artifact.sig."
                                        "v1%2Bjson" &&
                 request["fault"] == "referrers";
    }
    CHECK(asked);
    // The registry without the API has no signature for it: exit 10, nothing written.
    r = pull(reg.host(), "referred", "direct.sif");
    CHECK(r.exit_code == 10);
    CHECK_FALSE(fs::exists(env.dir / "direct.sif"));

    // A referrer by an untrusted key beside a good signature under the tag: both are read.
    const std::string tagged = fresh_repository(reg, "tagged");
    cosign_sign(reg, "tagged", tagged, keys.other_key, {"--referrers", referrers.path().string()});
    r = pull(proxy.host(), "tagged", "other-only.sif");
    CHECK(r.exit_code == 12);
    cosign_sign(reg, "tagged", tagged, keys.key);
    r = pull(proxy.host(), "tagged", "tagged.sif");
    INFO(r.describe());
    CHECK(r.exit_code == 0);
}

TEST_CASE("pull --cosign-certificate trusts the signing key of a certificate of the site PKI",
          "[cosign]") {
    Registry& reg = seeded();
    Env env;
    // A throwaway PKI (root, intermediate, code-signing leaves) from the x509 tests' script.
    t::TempDir pki{"sifkit-cosign-pki"};
    const auto made = t::run({"bash", (t::repo_root() / "tests" / "x509" / "make-ca.sh").string(),
                              pki.path().string(), "1", "2"});
    INFO(made.describe());
    REQUIRE(made.exit_code == 0);
    const std::string digest = fresh_repository(reg, "certified");
    cosign_sign(reg, "certified", digest, pki / "good.key");
    const auto pull = [&](const std::string& leaf, const std::string& name) {
        return run_sifkit(
            env, {"pull", "-q", "--insecure", "--cosign-certificate", (pki / leaf).string(),
                  "--cosign-certificate-roots", (pki / "root.pem").string(),
                  "--cosign-certificate-intermediates", (pki / "intermediate.pem").string(),
                  "docker://" + reg.host() + "/certified:v1", (env.dir / name).string()});
    };
    auto r = pull("good.pem", "good.sif");
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    const auto labels =
        nlohmann::json::parse(file_in(env.dir / "good.sif", "/.singularity.d/labels.json"));
    CHECK(labels["org.sifkit.cosign.manifest-digest"] == digest);
    CHECK(labels["org.sifkit.cosign.certificate-subject"].get<std::string>().find("CN=") !=
          std::string::npos);
    // The signature checked with the certificate's key: the key of another leaf is refused.
    r = pull("noeku.pem", "noeku.sif");
    CHECK(r.exit_code == 12);
    CHECK(r.err.find("none by a trusted key") != std::string::npos);
    CHECK_FALSE(fs::exists(env.dir / "noeku.sif"));
    // A certificate from another root, and an expired one: not trusted, one line, exit 12.
    for (const std::string leaf : {"stranger.pem", "expired.pem"}) {
        r = pull(leaf, "refused.sif");
        CHECK(r.exit_code == 12);
        CHECK(r.err.find("certificate") != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK_FALSE(fs::exists(env.dir / "refused.sif"));
    }
    // Roots are required with a certificate.
    CHECK(run_sifkit(
              env, {"pull", "-q", "--insecure", "--cosign-certificate", (pki / "good.pem").string(),
                    "docker://" + reg.host() + "/certified:v1", (env.dir / "x.sif").string()})
              .exit_code == 2);
}

TEST_CASE("push/pull --with-cosign carry an OCI-SIF's cosign signatures through a registry",
          "[cosign]") {
    Registry& reg = seeded();
    Env env;
    env.extra.push_back("COSIGN_PASSWORD=publisher");
    const auto in = [&](const std::string& name) { return (env.dir / name).string(); };
    sifkit_ok(env, {"key", "generate", "--type", "cosign", in("cosign")});
    sifkit_ok(env, {"key", "generate", "--type", "cosign", in("stranger")});
    const std::string image = in("app.oci.sif");
    sifkit_ok(env, {"pull", "-q", "--insecure", "--format", "oci-sif",
                    "docker://" + reg.host() + "/fixture:latest", image});
    // Unsigned: --with-cosign has nothing to carry and pushes nothing (exit 5).
    auto r = run_sifkit(env, {"push", "--insecure", "--format", "oci", "--with-cosign", image,
                              "docker://" + reg.host() + "/carried:v1"});
    CHECK(r.exit_code == 5);
    CHECK(r.err.find("no cosign signature") != std::string::npos);
    sifkit_ok(env, {"sign", "--cosign", "--key", in("cosign.key"), image});

    // The signature manifest of the OCI-SIF (what its root index lists as _cosign:...).
    const auto objects = json_of(sifkit_ok(env, {"list", "--json", image}))["objects"];
    nlohmann::json index;
    for (const auto& object : objects) {
        if (object["type"] == "oci-root-index") {
            index = nlohmann::json::parse(
                sifkit_ok(env, {"dump", std::to_string(object["id"].get<int>()), image}).out);
        }
    }
    REQUIRE(index["manifests"].size() == 2);
    const std::string image_digest = index["manifests"][0]["digest"];
    const std::string signature_digest = index["manifests"][1]["digest"];
    const std::string tag = "sha256-" + image_digest.substr(7) + ".sig";

    r = sifkit_ok(env, {"push", "--insecure", "--format", "oci", "--with-cosign", image,
                        "docker://" + reg.host() + "/carried:v1"});
    CHECK(r.out.find(image_digest) != std::string::npos);
    CHECK(r.out.find("cosign signatures pushed to docker://" + reg.host() + "/carried:" + tag) !=
          std::string::npos);
    // The registry holds the image under its own digest and the signature manifest, byte for
    // byte, under cosign's tag.
    const auto raw = t::run({"skopeo", "inspect", "--raw", "--tls-verify=false",
                             "docker://" + reg.host() + "/carried:" + tag});
    REQUIRE(raw.exit_code == 0);
    CHECK("sha256:" + t::sha256_hex(raw.out) == signature_digest);
    const auto pushed = nlohmann::json::parse(t::run({"skopeo", "inspect", "--tls-verify=false",
                                                      "docker://" + reg.host() + "/carried:v1"})
                                                  .out);
    CHECK(pushed["Digest"] == image_digest);

    // pull --cosign-key finds it where cosign looks: a stranger's key is refused (12), the
    // publisher's passes the check (the squashfs layers are another matter for the conversion).
    r = run_sifkit(env, {"pull", "-q", "--insecure", "--cosign-key", in("stranger.pub"),
                         "docker://" + reg.host() + "/carried:v1", in("stranger.sif")});
    CHECK(r.exit_code == 12);
    CHECK(r.err.find("none by a trusted key") != std::string::npos);
    r = run_sifkit(env, {"pull", "-q", "--insecure", "--cosign-key", in("cosign.pub"),
                         "docker://" + reg.host() + "/carried:v1", in("carried.sif")});
    INFO(r.describe());
    CHECK(r.exit_code != 10);
    CHECK(r.exit_code != 11);
    CHECK(r.exit_code != 12);
    CHECK(r.err.find("cosign:") == std::string::npos);
    // --with-cosign is for OCI images.
    CHECK(run_sifkit(env, {"push", "--insecure", "--with-cosign", image,
                           "oras://" + reg.host() + "/carried:sif"})
              .exit_code == 2);

    // And back: pull --with-cosign copies the image as stored, signatures with it, so that
    // verify --cosign passes on the copy as on the original, and the copy reads the same.
    const std::string copy = in("copy.oci.sif");
    r = sifkit_ok(env, {"pull", "--insecure", "--format", "oci-sif", "--with-cosign",
                        "docker://" + reg.host() + "/carried:v1", copy});
    CHECK(r.out.find("1 cosign signature(s)") != std::string::npos);
    CHECK(sifkit_ok(env, {"verify", "--cosign", "--key", in("cosign.pub"), copy})
              .out.find("verified " + image_digest) != std::string::npos);
    CHECK(run_sifkit(env, {"verify", "--cosign", "--key", in("stranger.pub"), copy}).exit_code ==
          12);
    CHECK(sifkit_ok(env, {"ls", "-lR", copy, "/"}).out ==
          sifkit_ok(env, {"ls", "-lR", image, "/"}).out);
    // With the publisher's key checked first, too; a stranger's refuses before anything is
    // written.
    sifkit_ok(env,
              {"pull", "-q", "--insecure", "--format", "oci-sif", "--with-cosign", "--cosign-key",
               in("cosign.pub"), "docker://" + reg.host() + "/carried:v1", in("checked.oci.sif")});
    r = run_sifkit(
        env, {"pull", "-q", "--insecure", "--format", "oci-sif", "--with-cosign", "--cosign-key",
              in("stranger.pub"), "docker://" + reg.host() + "/carried:v1", in("refused.oci.sif")});
    CHECK(r.exit_code == 12);
    CHECK_FALSE(fs::exists(env.dir / "refused.oci.sif"));
    // An image of tar layers cannot be copied with its signatures: the conversion changes the
    // manifest digest they name (exit 7, nothing written); nor can a SIF be the output (2).
    r = run_sifkit(env, {"pull", "-q", "--insecure", "--format", "oci-sif", "--with-cosign",
                         "docker://" + reg.host() + "/fixture:latest", in("tar.oci.sif")});
    CHECK(r.exit_code == 7);
    CHECK(r.err.find("squashfs") != std::string::npos);
    CHECK_FALSE(fs::exists(env.dir / "tar.oci.sif"));
    CHECK(run_sifkit(env, {"pull", "-q", "--insecure", "--with-cosign",
                           "docker://" + reg.host() + "/carried:v1", in("native.sif")})
              .exit_code == 2);
}
