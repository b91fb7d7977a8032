// sifkit pull docker://: the conversion of a registry image equals the conversion of the same
// OCI layout; platforms, digests, reference and registry errors, proxies from the environment.
#include <sys/utsname.h>

#include <catch2/catch.hpp>

#include "registry_support.hpp"

using namespace registry_test;
namespace t = sifkit::test;

namespace {

bool source_recording(const std::string& line) {
    return line.find("/.singularity.d/Singularity") != std::string::npos ||
           line.find("/.singularity.d/labels.json") != std::string::npos;
}

}  // namespace

TEST_CASE("a pulled image is the conversion of the same OCI layout", "[pull]") {
    Registry& reg = seeded();
    Env env;
    const fs::path layout = fixtures() / "layout";
    const fs::path pulled = env.dir / "pulled.sif";
    const std::string ref = "docker://" + reg.host() + "/fixture:latest";
    const auto json =
        json_of(sifkit_ok(env, {"pull", "--json", "--insecure", ref, pulled.string()}));
    CHECK(json["manifest_digest"] == layout_digest(layout, "latest"));
    CHECK(json["layers"] == 4);
    CHECK(json["blobs"] == 5);

    // The same conversion path: with the definition-file header a pull records, converting the
    // layout gives the same bytes, SIF header, descriptors and squashfs included.
    const fs::path like = env.dir / "like.sif";
    convert_like_pull(layout, "latest", reg.host() + "/fixture:latest", like);
    REQUIRE(t::sha256_file(pulled) == t::sha256_file(like));

    // Against `sifkit convert oci:`: the squashfs trees are the same but for the two files that
    // record the source.
    const fs::path converted = env.dir / "converted.sif";
    sifkit_ok(env, {"convert", "-q", "oci:" + layout.string() + ":latest", converted.string()});
    std::vector<std::string> a = listing_of(pulled);
    std::vector<std::string> b = listing_of(converted);
    REQUIRE(a.size() == b.size());
    REQUIRE(a.size() > 100);
    std::erase_if(a, source_recording);
    std::erase_if(b, source_recording);
    CHECK(a == b);
    CHECK(file_in(pulled, "/.singularity.d/Singularity") ==
          "bootstrap: docker\nfrom: " + reg.host() + "/fixture:latest\n");
    CHECK(file_in(converted, "/.singularity.d/Singularity") ==
          "bootstrap: oci\nfrom: " + layout.string() + ":latest\n");
    auto labels_a = nlohmann::json::parse(file_in(pulled, "/.singularity.d/labels.json"));
    auto labels_b = nlohmann::json::parse(file_in(converted, "/.singularity.d/labels.json"));
    CHECK(labels_a["org.label-schema.usage.singularity.deffile.from"] ==
          reg.host() + "/fixture:latest");
    for (auto* labels : {&labels_a, &labels_b}) {
        labels->erase("org.label-schema.usage.singularity.deffile.bootstrap");
        labels->erase("org.label-schema.usage.singularity.deffile.from");
    }
    CHECK(labels_a == labels_b);
    CHECK(leftovers(env.dir.path()).empty());
}

TEST_CASE("pull --format oci-sif writes the bytes convert --format oci-sif writes", "[pull]") {
    Registry& reg = seeded();
    Env env;
    // An OCI-SIF records no source (no definition file, no /.singularity.d), so a pulled image
    // and a converted layout are the same file.
    const fs::path pulled = env.dir / "pulled.oci.sif";
    sifkit_ok(env, {"pull", "-q", "--insecure", "--format", "oci-sif",
                    "docker://" + reg.host() + "/fixture:latest", pulled.string()});
    const fs::path converted = env.dir / "converted.oci.sif";
    sifkit_ok(env, {"convert", "-q", "--format", "oci-sif",
                    "oci:" + (fixtures() / "layout").string() + ":latest", converted.string()});
    CHECK(t::sha256_file(pulled) == t::sha256_file(converted));
    const auto inspected = json_of(sifkit_ok(env, {"inspect", "--json", pulled.string()}));
    CHECK(inspected["format"] == "oci-sif");
    CHECK(run_sifkit(env,
                     {"pull", "-q", "--insecure", "--keep-layers",
                      "docker://" + reg.host() + "/fixture:latest", (env.dir / "x.sif").string()})
              .exit_code == 2);  // --keep-layers needs --format oci-sif
}

TEST_CASE("pull picks the platform from a multi-platform index", "[pull]") {
    Registry& reg = seeded();
    Env env;
    const std::string ref = "docker://" + reg.host() + "/multi:latest";
    const fs::path arm = env.dir / "arm64.sif";
    sifkit_ok(env, {"pull", "-q", "--insecure", "--platform", "linux/arm64", ref, arm.string()});
    CHECK(file_in(arm, "/arch.txt") == "arm64\n");
    CHECK(json_of(sifkit_ok(env, {"header", "--json", arm.string()}))["arch"] == "arm64");
    const fs::path like = env.dir / "like.sif";
    convert_like_pull(fixtures() / "multi", "latest", reg.host() + "/multi:latest", like,
                      "linux/arm64");
    CHECK(t::sha256_file(arm) == t::sha256_file(like));

    utsname machine{};
    ::uname(&machine);
    if (std::string(machine.machine) == "x86_64") {
        const fs::path host = env.dir / "host.sif";
        sifkit_ok(env, {"pull", "-q", "--insecure", ref, host.string()});
        CHECK(file_in(host, "/arch.txt") == "amd64\n");
    }

    SECTION("a platform the index does not have: a clear message, nothing written") {
        const fs::path none = env.dir / "s390x.sif";
        const auto r = run_sifkit(
            env, {"pull", "-q", "--insecure", "--platform", "linux/s390x", ref, none.string()});
        CHECK(r.exit_code == 5);
        CHECK(r.err.find("no manifest for platform linux/s390x") != std::string::npos);
        CHECK(r.err.find("linux/arm64/v8") != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK_FALSE(fs::exists(none));
        CHECK(leftovers(env.dir.path()).empty());
    }
}

TEST_CASE("an image that exists only for another platform: a clear message", "[pull]") {
    Registry& reg = seeded();
    Env env;
    // An index listing only the arm64 image of multi (tag arm64-only).
    const fs::path multi = fixtures() / "multi";
    const auto outer = nlohmann::json::parse(
        t::read_file(multi / "blobs" / "sha256" / layout_digest(multi, "latest").substr(7)));
    nlohmann::json arm;
    for (const auto& m : outer["manifests"]) {
        if (m["platform"]["architecture"] == "arm64") {
            arm = m;
        }
    }
    REQUIRE(arm.is_object());
    const nlohmann::json index{{"schemaVersion", 2},
                               {"mediaType", "application/vnd.oci.image.index.v1+json"},
                               {"manifests", nlohmann::json::array({arm})}};
    const auto put =
        t::run({"python3", "-c",
                "import sys, http.client\n"
                "c = http.client.HTTPConnection(sys.argv[1])\n"
                "c.request('PUT', '/v2/multi/manifests/arm64-only', body=sys.argv[2].encode(),\n"
                "          headers={'Content-Type': 'application/vnd.oci.image.index.v1+json'})\n"
                "sys.exit(0 if c.getresponse().status == 201 else 1)\n",
                reg.host(), index.dump()});
    REQUIRE(put.exit_code == 0);
    const std::string ref = "docker://" + reg.host() + "/multi:arm64-only";
    const auto r = run_sifkit(env, {"pull", "-q", "--insecure", "--platform", "linux/amd64", ref,
                                    (env.dir / "amd64.sif").string()});
    INFO(r.describe());
    CHECK(r.exit_code == 5);
    CHECK(r.err.find(ref + ": no manifest for platform linux/amd64 (the index has linux/arm64/v8;"
                           " choose one with --platform)") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(env.dir / "amd64.sif"));
    sifkit_ok(env, {"pull", "-q", "--insecure", "--platform", "linux/arm64", ref,
                    (env.dir / "arm64.sif").string()});
    CHECK(file_in(env.dir / "arm64.sif", "/arch.txt") == "arm64\n");
}

TEST_CASE("pull by digest", "[pull]") {
    Registry& reg = seeded();
    Env env;
    const fs::path layout = fixtures() / "layout";
    const std::string digest = layout_digest(layout, "latest");
    const fs::path out = env.dir / "by-digest.sif";
    const std::string name = reg.host() + "/fixture@" + digest;
    sifkit_ok(env, {"pull", "-q", "--insecure", "docker://" + name, out.string()});
    const fs::path like = env.dir / "like.sif";
    convert_like_pull(layout, "latest", name, like);
    CHECK(t::sha256_file(out) == t::sha256_file(like));

    // A tag and a digest: the digest decides.
    const fs::path both = env.dir / "both.sif";
    const auto json = json_of(sifkit_ok(
        env, {"pull", "--json", "--insecure",
              "docker://" + reg.host() + "/fixture:no-such-tag@" + digest, both.string()}));
    CHECK(json["manifest_digest"] == digest);

    const std::string unknown = "sha256:" + std::string(64, '0');
    const auto r = run_sifkit(
        env, {"pull", "-q", "--insecure", "docker://" + reg.host() + "/fixture@" + unknown,
              (env.dir / "unknown.sif").string()});
    CHECK(r.exit_code == 5);
    CHECK(r.err.find("no image " + unknown) != std::string::npos);
}

TEST_CASE("pull refuses bad references and reports registry errors in one line", "[pull]") {
    Registry& reg = seeded();
    Env env;
    const fs::path out = env.dir / "out.sif";
    struct Case {
        std::vector<std::string> args;
        int code;
        std::string message;
    };
    const unsigned closed_port = free_port();
    const std::vector<Case> cases{
        {{"docker://" + reg.host() + "/Fixture:latest"}, 2, "bad repository"},
        {{reg.host() + "/fixture:latest"}, 2, "docker:// or oras://"},
        {{"docker://" + reg.host() + "/fixture@sha256:abc"}, 2, "64 lower-case hex"},
        {{"docker://" + reg.host() + "/fixture:no-such-tag"}, 5, "no image no-such-tag"},
        {{"docker://" + reg.host() + "/no/such/repo:latest"}, 5, "no image latest"},
        {{"docker://127.0.0.1:" + std::to_string(closed_port) + "/fixture"},
         3,
         "cannot connect to 127.0.0.1:" + std::to_string(closed_port) + ": Connection refused"},
        {{"oras://" + reg.host() + "/fixture:latest"}, 7, "not a SIF artifact"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args{"pull", "-q", "--insecure"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        args.push_back(out.string());
        const auto r = run_sifkit(env, args);
        INFO(r.describe());
        CHECK(r.exit_code == c.code);
        CHECK(r.err.find(c.message) != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK_FALSE(fs::exists(out));
    }
    // Without --insecure a plain-HTTP registry is not spoken to in clear text, and the message
    // says what it is (not OpenSSL's "wrong version number", nor advice about CAs).
    const auto tls = run_sifkit(env, {"pull", "-q", "--retries", "0",
                                      "docker://" + reg.host() + "/fixture:latest", out.string()});
    INFO(tls.describe());
    CHECK(tls.exit_code == 3);
    CHECK(tls.err == "sifkit: " + reg.host() + "/fixture: manifest latest: " + reg.host() +
                         " speaks plain HTTP; use --insecure\n");
    CHECK_FALSE(fs::exists(out));

    // An existing output is kept without --force.
    t::write_file(out, "keep me");
    const auto exists = run_sifkit(
        env,
        {"pull", "-q", "--insecure", "docker://" + reg.host() + "/fixture:latest", out.string()});
    CHECK(exists.exit_code == 6);
    CHECK(t::read_file(out) == "keep me");
    CHECK(leftovers(env.dir.path()).empty());
}

TEST_CASE("a registry that is not there fails at once and names the host and the reason",
          "[pull]") {
    Env env;
    const fs::path out = env.dir / "out.sif";
    const std::string closed = "127.0.0.1:" + std::to_string(free_port());
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    // With the default retries (4, 7.6 s of back-off) a retried failure would show "gave up".
    const std::vector<Case> cases{
        {{"pull", "docker://" + closed + "/fixture", out.string()},
         "cannot connect to " + closed + ": Connection refused"},
        {{"pull", "--insecure", "docker://" + closed + "/fixture", out.string()},
         "cannot connect to " + closed + ": Connection refused"},
        {{"pull", "oras://" + closed + "/fixture:1", out.string()},
         "cannot connect to " + closed + ": Connection refused"},
        {{"inspect", "docker://" + closed + "/fixture"},
         "cannot connect to " + closed + ": Connection refused"},
        {{"pull", "docker://nonexistent.invalid/fixture", out.string()},
         "Could not resolve host: nonexistent.invalid"},
    };
    for (const auto& c : cases) {
        const auto r = run_sifkit(env, c.args);
        INFO(r.describe());
        CHECK(r.exit_code == 3);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK(r.err.find(c.message) != std::string::npos);
        CHECK(r.err.find("gave up") == std::string::npos);
        CHECK_FALSE(fs::exists(out));
    }
}

TEST_CASE("pull goes through the proxy the environment names", "[pull]") {
    Registry& reg = seeded();
    Env env;
    Proxy proxy("outbound", reg.port());
    // registry.invalid resolves nowhere: only the proxy can reach it.
    env.extra = {"http_proxy=http://" + proxy.host()};
    const fs::path out = env.dir / "proxied.sif";
    const std::string name = "registry.invalid:" + std::to_string(reg.port()) + "/fixture:latest";
    sifkit_ok(env, {"pull", "-q", "--insecure", "docker://" + name, out.string()});
    std::size_t proxied = 0;
    for (const auto& request : proxy.requests()) {
        if (request["absolute"] == true &&
            request["host"] == "registry.invalid:" + std::to_string(reg.port())) {
            ++proxied;
        }
    }
    CHECK(proxied >= 6);  // /v2/, the manifest, the config and four layers
    const fs::path like = env.dir / "like.sif";
    convert_like_pull(fixtures() / "layout", "latest", name, like);
    CHECK(t::sha256_file(out) == t::sha256_file(like));
}

TEST_CASE("blobs are fetched in the order the conversion reads them: config, then top down",
          "[pull]") {
    Registry& reg = seeded();
    Env env;
    Proxy proxy("order", reg.port());
    sifkit_ok(env, {"pull", "-q", "--insecure", "--jobs", "1",
                    "docker://" + proxy.host() + "/fixture:latest", (env.dir / "o.sif").string()});
    const fs::path layout = fixtures() / "layout";
    const auto manifest = nlohmann::json::parse(
        t::read_file(layout / "blobs" / "sha256" / layout_digest(layout, "latest").substr(7)));
    std::vector<std::string> expected{manifest["config"]["digest"]};
    for (auto it = manifest["layers"].rbegin(); it != manifest["layers"].rend(); ++it) {
        expected.push_back((*it)["digest"]);
    }
    std::vector<std::string> fetched;
    for (const auto& r : proxy.requests()) {
        const std::string path = r["path"];
        if (r["method"] == "GET" && path.find("/blobs/") != std::string::npos) {
            fetched.push_back(path.substr(path.rfind('/') + 1));
        }
    }
    CHECK(fetched == expected);
}
