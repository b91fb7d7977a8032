// OpenPGP signing (sign --pgp-key / --gpg-key, through GnuPG): what we sign must verify with the
// reference (`sifcheck verify`, v2.8.3's go-crypto), with `gpg --verify` of the object, and with
// our verify; the object is framed byte for byte as v2.8.3 frames it and its descriptor names
// the signer's primary key.
#include <catch2/catch.hpp>

#include "common.hpp"
#include "gpg.hpp"

using namespace interop;

namespace {

const fs::path kKeys = sifkit::test::shared_dir() / "fixtures" / "upstream-sif" / "keys";
constexpr const char* kUnitFingerprint = "12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84";

fs::path writable_copy(const fs::path& from, const fs::path& to) {
    sifkit::test::copy_file(from, to);
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write);
    return to;
}

// The oracle's verdict (sifcheck verify exits 0 when verified).
bool oracle_verifies(const fs::path& image, const std::string& keyring) {
    const auto result = run_sifcheck({"verify", "-keyring", keyring, image.string()});
    INFO(result.describe());
    REQUIRE((result.exit_code == 0 || result.exit_code == 1));
    return result.exit_code == 0;
}

}  // namespace

TEST_CASE("sign --pgp-key: the reference, gpg and sifkit verify it", "[sign]") {
    GpgHome home;
    home.import((kKeys / "private.asc").string());
    const auto public_key = home.write("unit.asc", home.export_public("unit@test.com"));
    sifkit::test::TempDir dir;
    for (const char* name : {"one-group.sif", "two-groups.sif"}) {
        INFO(name);
        const auto image = writable_copy(upstream_images() / name, dir / name);
        const auto signed_by =
            run_sifkit({"sign", image.string(), "--pgp-key", (kKeys / "private.asc").string()});
        INFO(signed_by.describe());
        REQUIRE(signed_by.exit_code == 0);
        CHECK(oracle_verifies(image, public_key));
        const auto ours = run_sifkit({"verify", image.string(), "--key", public_key});
        CHECK(ours.exit_code == 0);
        CHECK(ours.out.find(std::string("verified by ") + kUnitFingerprint) != std::string::npos);

        // Every signature object: v2.8.3's framing, a descriptor naming the key, gpg agrees.
        const json dump = sifcheck_dump(image);  // kept: the loop must not outlive it
        for (const auto& descriptor : dump["descriptors"]) {
            if (descriptor["datatype"] != 0x4005) {
                continue;
            }
            const auto id = std::to_string(descriptor["id"].get<int>());
            const std::string object = run_sifkit({"dump", id, image.string()}).out;
            CHECK(object.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n{"));
            CHECK(object.ends_with("\n-----END PGP SIGNATURE-----"));
            const auto info = json::parse(run_sifkit({"info", "--json", id, image.string()}).out);
            INFO(info.dump());
            CHECK(info["signature"]["fingerprint"] == kUnitFingerprint);
            CHECK(info["signature"]["hash_type"] == "sha256");
            home.write("object.txt", object);
            home.gpg({"--verify", (home.path() / "object.txt").string()});  // REQUIREs exit 0
        }
    }
    // A public key is not a signing key: one line, nothing added.
    const auto image = writable_copy(upstream_images() / "one-group.sif", dir / "public.sif");
    const auto refused = run_sifkit({"sign", image.string(), "--pgp-key", public_key});
    CHECK(refused.exit_code == 4);
    CHECK(refused.err.find("signing needs the secret key") != std::string::npos);
    CHECK(sifkit::test::read_file(image) ==
          sifkit::test::read_file(upstream_images() / "one-group.sif"));
}

TEST_CASE("sign --pgp-key with a passphrase-protected Ed25519 key, and --gpg-key", "[sign]") {
    GpgHome home;
    home.gpg({"--passphrase", "s3cret", "--quick-gen-key", "Guarded <guarded@test>", "ed25519",
              "sign", "never"});
    // Exported protected (gpg asks for the passphrase to export it, and keeps the protection).
    const auto secret = home.write(
        "guarded.sec.asc",
        home.gpg({"--passphrase", "s3cret", "--armor", "--export-secret-keys", "guarded@test"}));
    const auto public_key = home.write("guarded.pub.asc", home.export_public("guarded@test"));
    sifkit::test::TempDir dir;
    const auto good = dir / "pass.txt";
    const auto bad = dir / "wrong.txt";
    sifkit::test::write_file(good, "s3cret\n");
    sifkit::test::write_file(bad, "guess\n");

    const auto image = writable_copy(upstream_images() / "two-groups.sif", dir / "a.sif");
    const auto wrong = run_sifkit(
        {"sign", image.string(), "--pgp-key", secret, "--passphrase-file", bad.string()});
    CHECK(wrong.exit_code != 0);
    CHECK(wrong.err.find("assphrase") != std::string::npos);
    CHECK(sifkit::test::read_file(image) ==
          sifkit::test::read_file(upstream_images() / "two-groups.sif"));
    const auto ok = run_sifkit(
        {"sign", image.string(), "--pgp-key", secret, "--passphrase-file", good.string()});
    INFO(ok.describe());
    REQUIRE(ok.exit_code == 0);
    CHECK(ok.out.find("signed 2 group(s)") != std::string::npos);
    CHECK(oracle_verifies(image, public_key));
    CHECK(run_sifkit({"verify", image.string(), "--key", public_key}).exit_code == 0);

    // A key gpg holds (GNUPGHOME), unprotected here: gpg-agent would otherwise ask through its
    // pinentry, which a test has no terminal for.
    home.generate("Held <held@test>", "rsa2048");
    const auto held_public = home.write("held.pub.asc", home.export_public("held@test"));
    const auto held = writable_copy(upstream_images() / "one-group.sif", dir / "b.sif");
    sifkit::test::RunOptions env;
    env.env = {"GNUPGHOME=" + home.path().string()};
    const auto by_gpg = sifkit::test::run(
        {sifkit::test::sifkit_bin().string(), "sign", held.string(), "--gpg-key", "held@test"},
        env);
    INFO(by_gpg.describe());
    REQUIRE(by_gpg.exit_code == 0);
    CHECK(oracle_verifies(held, held_public));
    // The protected key without a terminal for gpg-agent's pinentry: one line with the way out.
    const auto locked = sifkit::test::run(
        {sifkit::test::sifkit_bin().string(), "sign", held.string(), "--gpg-key", "guarded@test"},
        env);
    CHECK(locked.exit_code != 0);
    CHECK(locked.err.find("--passphrase-file") != std::string::npos);
    const auto unknown = sifkit::test::run(
        {sifkit::test::sifkit_bin().string(), "sign", held.string(), "--gpg-key", "nobody@test"},
        env);
    CHECK(unknown.exit_code == 5);
    CHECK(unknown.err.find("gpg has no secret key nobody@test") != std::string::npos);
}
