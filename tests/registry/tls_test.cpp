// TLS: a registry with a certificate from a throwaway CA is refused until the CA is trusted
// (--ca-file) or verification is waived (--insecure); a plain-HTTP registry needs --insecure.
#include <catch2/catch.hpp>

#include "registry_support.hpp"

using namespace registry_test;
namespace t = sifkit::test;

TEST_CASE("TLS is verified; --ca-file trusts a private CA; --insecure skips", "[tls]") {
    seeded();
    RegistryConfig config;
    config.storage = seeded_storage();
    config.tls = std::make_pair(pki().cert, pki().key);
    Registry reg("tls", config);
    Env env;
    const std::string ref = "docker://" + reg.host() + "/fixture:latest";
    const fs::path out = env.dir / "out.sif";

    const auto untrusted = run_sifkit(env, {"pull", "-q", "--retries", "0", ref, out.string()});
    CHECK(untrusted.exit_code == 3);
    CHECK(untrusted.err.find("TLS failed") != std::string::npos);
    CHECK(untrusted.err.find("--ca-file") != std::string::npos);
    CHECK(std::count(untrusted.err.begin(), untrusted.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(out));

    sifkit_ok(env, {"pull", "-q", "--ca-file", pki().ca.string(), ref, out.string()});
    const fs::path like = env.dir / "like.sif";
    convert_like_pull(fixtures() / "layout", "latest", reg.host() + "/fixture:latest", like);
    CHECK(t::sha256_file(out) == t::sha256_file(like));

    const fs::path insecure = env.dir / "insecure.sif";
    sifkit_ok(env, {"pull", "-q", "--insecure", ref, insecure.string()});
    CHECK(t::sha256_file(insecure) == t::sha256_file(out));

    // Push and pull a SIF over verified TLS.
    sifkit_ok(env, {"push", "-q", "--ca-file", pki().ca.string(), out.string(),
                    "oras://" + reg.host() + "/sifs/tls:v1"});
    const fs::path back = env.dir / "back.sif";
    sifkit_ok(env, {"pull", "-q", "--ca-file", pki().ca.string(),
                    "oras://" + reg.host() + "/sifs/tls:v1", back.string()});
    CHECK(t::sha256_file(back) == t::sha256_file(out));

    // A CA that did not sign the certificate is no better than none.
    const auto wrong_ca =
        run_sifkit(env, {"pull", "-q", "--retries", "0", "--ca-file", pki().other_ca.string(), ref,
                         (env.dir / "x.sif").string()});
    CHECK(wrong_ca.exit_code == 3);
    CHECK_FALSE(fs::exists(env.dir / "x.sif"));
}
