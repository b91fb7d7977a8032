// OpenPGP keyrings as sites have them: binary keyrings (gpg --export, Apptainer's pgp-public)
// and armored files with several keys, in --key and --keys-dir (skipped files named), and the
// `sifkit key list|import|export|remove` keyring, whose exports must equal gpg's bytes.
#include <catch2/catch.hpp>

#include "common.hpp"
#include "gpg.hpp"

using namespace interop;

namespace {

const fs::path kKeys = sifkit::test::shared_dir() / "fixtures" / "upstream-sif" / "keys";
constexpr const char* kUnitFingerprint = "12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84";

// Two keys in one home: the reference's test key (it signed the golden PGP images) and a fresh
// Ed25519 key that signed nothing.
struct TwoKeys {
    GpgHome home;
    std::string other_fingerprint;
    TwoKeys() {
        home.import((kKeys / "private.asc").string());
        home.generate("Other <other@test>", "ed25519");
        const std::string listing = home.gpg({"--with-colons", "--fingerprint", "other@test"});
        const auto at = listing.find("\nfpr:::::::::");
        REQUIRE(at != std::string::npos);
        other_fingerprint = listing.substr(at + 13, 40);
    }
    // gpg's binary export of the given user IDs (all keys when empty), in a file.
    std::string binary(const std::string& name, std::vector<std::string> users = {}) const {
        std::vector<std::string> args{"--export"};
        args.insert(args.end(), users.begin(), users.end());
        return home.write(name, home.gpg(args));
    }
};

std::string signed_pgp() {
    return (upstream_images() / "one-group-signed-pgp.sif").string();
}

}  // namespace

TEST_CASE("binary keyrings and multi-key files verify with --key", "[sign]") {
    TwoKeys keys;
    // A binary keyring with both keys, as Apptainer's pgp-public holds them.
    const auto keyring = keys.binary("pgp-public");
    const auto ok = run_sifkit({"verify", signed_pgp(), "--key", keyring});
    INFO(ok.describe());
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find(std::string("verified by ") + kUnitFingerprint) != std::string::npos);
    // The other key alone: signed, but by no trusted key.
    const auto other = keys.binary("other.gpg", {"other@test"});
    CHECK(run_sifkit({"verify", signed_pgp(), "--key", other}).exit_code == 12);
    // Both keys armored in one file.
    const auto armored = keys.home.write("both.asc", keys.home.gpg({"--armor", "--export"}));
    CHECK(run_sifkit({"verify", signed_pgp(), "--key", armored}).exit_code == 0);
    // A secret keyring is refused with what it is, not as a bad PEM file.
    const auto secret =
        keys.home.write("secret.gpg", keys.home.gpg({"--pinentry-mode", "loopback", "--passphrase",
                                                     "", "--export-secret-keys", "unit@test.com"}));
    const auto refused = run_sifkit({"verify", signed_pgp(), "--key", secret});
    CHECK(refused.exit_code == 4);
    CHECK(refused.err.find("OpenPGP private key") != std::string::npos);
}

TEST_CASE("--keys-dir reads *.asc, *.gpg and Apptainer's keyrings and names what it skips",
          "[sign]") {
    TwoKeys keys;
    sifkit::test::TempDir dir;
    const auto kd = dir / "keys";
    fs::create_directories(kd / "subdir");
    sifkit::test::copy_file(keys.binary("unit.gpg", {"unit@test.com"}), kd / "pgp-public");
    sifkit::test::write_file(kd / "global-pgp-public", "");
    sifkit::test::write_file(kd / "README", "site keys\n");
    sifkit::test::write_file(kd / "broken.asc", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n");
    const auto ok = run_sifkit({"verify", signed_pgp(), "--keys-dir", kd.string()});
    INFO(ok.describe());
    CHECK(ok.exit_code == 0);
    for (const char* skipped : {"README: skipped: not a key file name",
                                "broken.asc: skipped:", "global-pgp-public: skipped: empty",
                                "subdir: skipped: not a regular file"}) {
        CHECK(ok.err.find(skipped) != std::string::npos);
    }
    // Without the keyring nothing loads: one line that names the first reason.
    fs::remove(kd / "pgp-public");
    const auto none = run_sifkit({"verify", signed_pgp(), "--keys-dir", kd.string()});
    CHECK(none.exit_code == 5);
    CHECK(none.err.find("no key loads from the directory") != std::string::npos);
    // The same key as *.asc and *.gpg files.
    sifkit::test::copy_file(keys.binary("u.gpg", {"unit@test.com"}), kd / "unit.gpg");
    CHECK(run_sifkit({"verify", signed_pgp(), "--keys-dir", kd.string()}).exit_code == 0);
    fs::remove(kd / "unit.gpg");
    sifkit::test::write_file(kd / "unit.asc",
                             keys.home.gpg({"--armor", "--export", "unit@test.com"}));
    CHECK(run_sifkit({"verify", signed_pgp(), "--keys-dir", kd.string()}).exit_code == 0);
}

TEST_CASE("key import, list, export and remove keep gpg's bytes", "[sign]") {
    TwoKeys keys;
    sifkit::test::TempDir dir;
    const std::string ring = (dir / "ring").string();
    const auto imported = run_sifkit({"key", "import", "--keyring", ring, keys.binary("all.gpg")});
    INFO(imported.describe());
    REQUIRE(imported.exit_code == 0);
    CHECK(imported.out.find(std::string(kUnitFingerprint) + " added: Unit Test <unit@test.com>") !=
          std::string::npos);
    const auto again = run_sifkit({"key", "import", "--keyring", ring, keys.binary("u.gpg")});
    CHECK(again.out.find(std::string(kUnitFingerprint) + " unchanged") != std::string::npos);

    const auto listed = run_sifkit({"key", "list", "--keyring", ring});
    CHECK(listed.out.find(std::string("F: ") + kUnitFingerprint) != std::string::npos);
    CHECK(listed.out.find("L: 2048") != std::string::npos);
    CHECK(listed.out.find("F: " + keys.other_fingerprint) != std::string::npos);
    CHECK(listed.out.find("L: 256") != std::string::npos);
    const auto json =
        nlohmann::json::parse(run_sifkit({"key", "list", "--keyring", ring, "--json"}).out);
    REQUIRE(json["keys"].size() == 2);

    // Exports equal gpg's own, binary and armored; the keyring is a --keys-dir as it is.
    const auto binary = dir / "unit.gpg";
    CHECK(run_sifkit({"key", "export", "--keyring", ring, kUnitFingerprint, binary.string()})
              .exit_code == 0);
    CHECK(sifkit::test::read_file(binary) == keys.home.gpg({"--export", "unit@test.com"}));
    const auto armored =
        run_sifkit({"key", "export", "--keyring", ring, "--armor", "A20C27EE7FF7BA84", "-"});
    CHECK(armored.out == keys.home.gpg({"--armor", "--export", "unit@test.com"}));
    CHECK(run_sifkit({"verify", signed_pgp(), "--keys-dir", ring}).exit_code == 0);

    // Removal by key ID; then the image's signer is unknown to the keyring.
    CHECK(run_sifkit({"key", "remove", "--keyring", ring, "a20c27ee7ff7ba84"}).exit_code == 0);
    CHECK(run_sifkit({"verify", signed_pgp(), "--keys-dir", ring}).exit_code == 12);
    CHECK(run_sifkit({"key", "remove", "--keyring", ring, kUnitFingerprint}).exit_code == 5);
    CHECK(run_sifkit({"key", "remove", "--keyring", ring, "zz"}).exit_code == 2);
    const auto secret =
        run_sifkit({"key", "import", "--keyring", ring, (kKeys / "private.asc").string()});
    CHECK(secret.exit_code == 4);
    CHECK(secret.err.find("private key") != std::string::npos);
}
