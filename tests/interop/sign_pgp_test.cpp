// OpenPGP and legacy verification against the reference: its PGP-signed golden images with the
// public part of its test key (exported by gpg), images the oracle signs with throwaway gpg keys
// (RSA and Ed25519), and tampered copies, where our verdict must match `sifcheck verify`.
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <functional>
#include <thread>

#include "common.hpp"
#include "gpg.hpp"
#include "sifkit/sif/base64.hpp"
#include "sifkit/sign/trusted_keys.hpp"
#include "sifkit/sign/verify.hpp"

using namespace interop;
namespace sign = sifkit::sign;

namespace {

const fs::path kKeys = sifkit::test::shared_dir() / "fixtures" / "upstream-sif" / "keys";

sign::VerifyReport verify(const fs::path& image, const std::string& key,
                          sign::VerifyOptions options = {}) {
    sign::TrustedKeys keys;
    keys.add_file(key);
    keys.apply_to(options);
    auto report = sign::verify_image(sif::Image::open(image), options);
    // Why, when a check on the report fails.
    for (const auto& finding : report.findings) {
        UNSCOPED_INFO("finding: " << finding.reason);
    }
    return report;
}

// The oracle's verdict (sifcheck verify exits 0 when verified).
bool oracle_verifies(const fs::path& image, const std::string& keyring,
                     const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"verify", "-keyring", keyring};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(image.string());
    const auto result = run_sifcheck(args);
    INFO(result.describe());
    REQUIRE((result.exit_code == 0 || result.exit_code == 1));
    return result.exit_code == 0;
}

fs::path writable_copy(const fs::path& from, const fs::path& to) {
    sifkit::test::copy_file(from, to);
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write);
    return to;
}

void patch(const fs::path& image, std::uint64_t offset, std::string_view bytes) {
    auto storage = sif::FileStorage::open(image, sif::OpenMode::read_write);
    storage->write_at(offset, std::as_bytes(std::span(bytes.data(), bytes.size())));
}

std::uint64_t slot_offset(const fs::path& image, std::uint32_t id) {
    const auto img = sif::Image::open(image);
    const auto& slots = img.slots();
    for (std::size_t i = 0; i < slots.size(); ++i) {
        if (slots[i].used && slots[i].id == id) {
            return static_cast<std::uint64_t>(img.header().descriptors_offset) + i * 585;
        }
    }
    FAIL("no object " << id);
    return 0;
}

struct ReferenceKey {
    GpgHome home;
    std::string public_key;
    ReferenceKey() {
        home.import((kKeys / "private.asc").string());
        public_key = home.write("reference.pub.asc", home.export_public("unit@test.com"));
    }
};

}  // namespace

TEST_CASE("reference PGP-signed images verify with the public part of its test key", "[sign]") {
    ReferenceKey key;
    const auto certificates = sign::PgpCertificate::load(key.public_key);
    REQUIRE(certificates.size() == 1);
    CHECK(certificates[0].fingerprint_hex() == "12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84");
    CHECK(certificates[0].user_id() == "Unit Test <unit@test.com>");

    for (const char* name : {"one-group-signed-pgp.sif", "two-groups-signed-pgp.sif"}) {
        INFO(name);
        const auto image = upstream_images() / name;
        const auto report = verify(image, key.public_key);
        CHECK(report.status == sign::VerifyStatus::verified);
        CHECK(oracle_verifies(image, key.public_key));
        for (const auto& f : report.findings) {
            CHECK(f.format == sign::SignatureFormat::pgp);
            CHECK(f.keyids == std::vector<std::string>{"12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84"});
        }
        // Another key: signed, but not by anyone trusted.
        GpgHome other;
        other.generate("Other <other@test>", "ed25519");
        const auto other_key = other.write("other.asc", other.export_public("other@test"));
        CHECK(verify(image, other_key).status == sign::VerifyStatus::untrusted);
        CHECK_FALSE(oracle_verifies(image, other_key));
        // A PEM key only: the PGP signatures have no trusted key either.
        CHECK(verify(image, (kKeys / "ed25519-public.pem").string()).status ==
              sign::VerifyStatus::untrusted);
    }
}

TEST_CASE("images the oracle signs with fresh RSA and Ed25519 gpg keys verify with us", "[sign]") {
    sifkit::test::TempDir dir;
    for (const std::string algorithm : {"rsa2048", "ed25519"}) {
        INFO(algorithm);
        GpgHome home;
        home.generate("Fresh <fresh@test>", algorithm);
        const auto secret = home.write("fresh.sec.asc", home.export_secret("fresh@test"));
        const auto pub = home.write("fresh.pub.asc", home.export_public("fresh@test"));
        const auto image =
            writable_copy(upstream_images() / "two-groups.sif", dir / (algorithm + ".sif"));
        const auto signed_by = run_sifcheck({"sign", "-key", secret, image.string()});
        INFO(signed_by.describe());
        REQUIRE(signed_by.exit_code == 0);
        const auto fingerprint = sign::PgpCertificate::load(pub).front().fingerprint_hex();
        CHECK(signed_by.out.find(fingerprint) != std::string::npos);

        auto report = verify(image, pub);
        CHECK(report.status == sign::VerifyStatus::verified);
        REQUIRE(report.findings.size() == 2);
        CHECK(report.findings[0].objects == std::vector<std::uint32_t>{1, 2});
        CHECK(report.findings[1].objects == std::vector<std::uint32_t>{3});

        // Tampered copies: our verdict and reason, and the oracle agrees it fails.
        struct Case {
            std::string what;
            std::function<void(const fs::path&)> change;
            sign::VerifyStatus status;
            std::string reason;
        };
        const auto sig = sif::Image::open(image).object(4);
        const auto sig_offset = static_cast<std::uint64_t>(sig.offset);
        const std::string text = object_bytes(sif::Image::open(image), sig);
        const auto json_at = sig_offset + text.find("{\"version\"");
        const auto digit_at = sig_offset + text.find("sha256:") + 7;
        const auto armor_at = sig_offset + text.find("-----BEGIN PGP SIGNATURE-----") + 31;
        const std::vector<Case> cases{
            {"object 1 data", [&](const fs::path& p) { patch(p, 32768, "X"); },
             sign::VerifyStatus::invalid, "data object integrity compromised: 1"},
            {"launch script", [&](const fs::path& p) { patch(p, 0, "#"); },
             sign::VerifyStatus::invalid, "header integrity compromised"},
            {"entity zeroed",
             [&](const fs::path& p) {
                 patch(p, slot_offset(p, 4) + 201 + 4, std::string(20, '\0'));
             },
             sign::VerifyStatus::invalid,
             "fingerprint in descriptor does not correspond to signing entity"},
            {"signed JSON changed",
             [&](const fs::path& p) {
                 patch(p, digit_at, text[digit_at - sig_offset] == '0' ? "1" : "0");
             },
             sign::VerifyStatus::invalid,
             "OpenPGP signature does not verify with key " + fingerprint},
            {"armor damaged",
             [&](const fs::path& p) {
                 patch(p, armor_at + 2, text[armor_at - sig_offset + 2] == 'A' ? "B" : "A");
             },
             sign::VerifyStatus::invalid, "CRC-24"},
            {"not clearsigned", [&](const fs::path& p) { patch(p, sig_offset, "X"); },
             sign::VerifyStatus::invalid, "clearsigned message not found"},
        };
        (void)json_at;
        for (const auto& c : cases) {
            INFO(c.what);
            const auto copy = writable_copy(image, dir / "tampered.sif");
            c.change(copy);
            report = verify(copy, pub);
            CHECK(report.status == c.status);
            REQUIRE_FALSE(report.findings.empty());
            CHECK(report.findings.front().reason.find(c.reason) != std::string::npos);
            CHECK_FALSE(oracle_verifies(copy, pub));
        }
        // Not covered: descriptor mtime and header arch.
        const auto copy = writable_copy(image, dir / "uncovered.sif");
        patch(copy, slot_offset(copy, 1) + 49, "\x01");
        patch(copy, 45, "03");
        CHECK(verify(copy, pub).status == sign::VerifyStatus::verified);
        CHECK(oracle_verifies(copy, pub));
    }
}

TEST_CASE("object selections agree with the reference for signing and verifying", "[sign]") {
    sifkit::test::TempDir dir;
    GpgHome home;
    home.generate("Sel <sel@test>", "ed25519");
    const auto secret = home.write("sel.sec.asc", home.export_secret("sel@test"));
    const auto pub = home.write("sel.pub.asc", home.export_public("sel@test"));
    const auto image = writable_copy(upstream_images() / "two-groups.sif", dir / "objects.sif");
    REQUIRE(run_sifcheck({"sign", "-key", secret, "-objects", "1,3", image.string()}).exit_code ==
            0);
    // One signature per group, each covering only the listed object.
    const struct {
        std::vector<std::uint32_t> groups, objects;
        bool verified;
        std::vector<std::string> oracle_args;
    } cases[] = {
        {{}, {}, false, {}},
        {{1}, {}, false, {"-group", "1"}},
        {{}, {1}, true, {"-object", "1"}},
        {{}, {3}, true, {"-object", "3"}},
        {{}, {1, 3}, true, {"-object", "1", "-object", "3"}},
        {{}, {2}, false, {"-object", "2"}},
    };
    for (const auto& c : cases) {
        INFO(c.oracle_args.size());
        sign::VerifyOptions options;
        options.groups = c.groups;
        options.objects = c.objects;
        const auto report = verify(image, pub, options);
        CHECK((report.status == sign::VerifyStatus::verified) == c.verified);
        CHECK(oracle_verifies(image, pub, c.oracle_args) == c.verified);
    }
    const auto whole = verify(image, pub);
    CHECK(whole.findings.front().reason == "object 2: object not signed");

    // Our DSSE signer with the same selection signs exactly the reference's metadata.
    const auto ours = writable_copy(upstream_images() / "two-groups.sif", dir / "ours.sif");
    const auto signed_ours =
        run_sifkit({"sign", ours.string(), "--key", (kKeys / "ed25519-private.pem").string(),
                    "--object", "3", "--object", "1", "--deterministic"});
    INFO(signed_ours.describe());
    REQUIRE(signed_ours.exit_code == 0);
    const auto reference = sifcheck_dump(image);
    const auto mine = sif::Image::open(ours);
    for (std::uint32_t id : {4U, 5U}) {
        const auto envelope = json::parse(object_bytes(mine, mine.object(id)));
        const auto payload =
            sifkit::sif::base64_decode(envelope.at("payload").get<std::string>()).value();
        std::string plaintext;
        for (const auto& d : reference.at("descriptors")) {
            if (d.at("id") == id) {
                plaintext = d.at("signature").at("clearsign_plaintext").get<std::string>();
            }
        }
        // The reference's plaintext ends with the line break of its cleartext framing.
        CHECK(std::string(payload.begin(), payload.end()) + "\n" == plaintext);
    }
}

TEST_CASE("legacy SIFHASH goldens verify only when asked, as the reference decides", "[sign]") {
    ReferenceKey key;
    const struct {
        const char* image;
        bool all;
        std::vector<std::uint32_t> groups, objects;
        std::vector<std::string> oracle_args;
        bool verified;
    } cases[] = {
        {"one-group-signed-legacy-group.sif", false, {}, {}, {"-legacy"}, true},
        {"one-group-signed-legacy-all.sif", true, {}, {}, {"-legacy-all"}, true},
        {"one-group-signed-legacy.sif", false, {}, {2}, {"-legacy", "-object", "2"}, true},
        {"two-groups-signed-legacy-group.sif", false, {1}, {}, {"-legacy", "-group", "1"}, true},
        {"two-groups-signed-legacy.sif", false, {}, {2}, {"-legacy", "-object", "2"}, true},
        {"two-groups-signed-legacy-all.sif",
         false,
         {},
         {1, 2},
         {"-legacy", "-object", "1", "-object", "2"},
         true},
        {"one-group-signed-legacy.sif", false, {}, {}, {"-legacy"}, false},
        {"one-group-signed-legacy-group.sif", true, {}, {}, {"-legacy-all"}, false},
        {"two-groups-signed-legacy-all.sif", true, {}, {}, {"-legacy-all"}, false},
    };
    for (const auto& c : cases) {
        INFO(c.image << " " << c.oracle_args.front());
        const auto image = upstream_images() / c.image;
        sign::VerifyOptions options;
        options.legacy = true;
        options.legacy_all = c.all;
        options.groups = c.groups;
        options.objects = c.objects;
        const auto report = verify(image, key.public_key, options);
        CHECK((report.status == sign::VerifyStatus::verified) == c.verified);
        CHECK(oracle_verifies(image, key.public_key, c.oracle_args) == c.verified);
        for (const auto& f : report.findings) {
            if (f.signature_id != 0) {
                CHECK(f.insecure);
                CHECK(f.format == sign::SignatureFormat::legacy);
            }
        }
        // Without legacy verification the image is simply not signed (current format).
        const auto current = verify(image, key.public_key);
        CHECK(current.status == sign::VerifyStatus::not_signed);
        CHECK(current.findings.front().legacy_signatures > 0);
        CHECK_FALSE(oracle_verifies(image, key.public_key));
    }
    // Tampered object data under a legacy object signature.
    sifkit::test::TempDir dir;
    const auto copy =
        writable_copy(upstream_images() / "one-group-signed-legacy.sif", dir / "l.sif");
    patch(copy, 36864, "X");
    sign::VerifyOptions options;
    options.legacy = true;
    options.objects = {2};
    const auto report = verify(copy, key.public_key, options);
    CHECK(report.status == sign::VerifyStatus::invalid);
    CHECK(report.findings.front().reason == "data object integrity compromised: 2");
    CHECK_FALSE(oracle_verifies(copy, key.public_key, {"-legacy", "-object", "2"}));
}

TEST_CASE("gpg --clearsign by a signing subkey verifies, for us and for the reference", "[sign]") {
    sifkit::test::TempDir dir;
    GpgHome home;
    home.generate("Sub <sub@test>", "ed25519");
    const auto primary = sign::PgpCertificate::parse(home.export_public("sub@test"), "x").at(0);
    home.gpg({"--quick-add-key", primary.fingerprint_hex(), "ed25519", "sign", "never"});
    const auto pub = home.write("sub.pub.asc", home.export_public("sub@test"));
    const auto certificate = sign::PgpCertificate::load(pub).at(0);
    REQUIRE(certificate.signing_keys().size() == 2);  // the primary and the bound subkey
    const auto subkey = sign::to_hex(certificate.signing_keys()[1].fingerprint);

    // The metadata JSON of group 1, taken from a DSSE signature we make and then delete.
    const auto image = writable_copy(upstream_images() / "one-group.sif", dir / "sub.sif");
    REQUIRE(run_sifkit({"sign", image.string(), "--key", (kKeys / "ed25519-private.pem").string()})
                .exit_code == 0);
    std::string metadata;
    {
        auto writable = open_rw(image);
        const auto envelope = json::parse(object_bytes(writable, writable.object(3)));
        const auto payload =
            sifkit::sif::base64_decode(envelope.at("payload").get<std::string>()).value();
        metadata.assign(payload.begin(), payload.end());
        writable.remove(3, {false, true, std::nullopt});
    }
    const auto plain = home.write("metadata.json", metadata);
    home.gpg({"--local-user", subkey + "!", "--digest-algo", "SHA512", "--clearsign", "--output",
              plain + ".asc", plain});
    const std::string clearsigned = sifkit::test::read_file(plain + ".asc");
    {
        auto writable = open_rw(image);
        sif::ObjectSpec spec;
        spec.type = sif::DataType::signature;
        spec.group = 0;
        spec.link = sif::Link::to_group(1);
        sif::SignatureInfo info;
        std::copy(primary.fingerprint().begin(), primary.fingerprint().end(),
                  info.fingerprint.begin());
        spec.extra = info;
        add_bytes(writable, spec, clearsigned);
    }
    const auto report = verify(image, pub);
    CHECK(report.status == sign::VerifyStatus::verified);
    CHECK(report.findings.at(0).keyids == std::vector<std::string>{primary.fingerprint_hex()});
    CHECK(oracle_verifies(image, pub));

    // A newer binding gives the subkey a one-second life (binding times are whole seconds, so
    // the new one must be at least a second younger to rule); once it is over, the subkey's
    // signature is invalid, for both implementations, while the primary key is still good.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    home.gpg({"--quick-set-expire", primary.fingerprint_hex(), "seconds=1", subkey});
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    const auto expired_pub = home.write("sub-expired.pub.asc", home.export_public("sub@test"));
    const auto expired = verify(image, expired_pub);
    CHECK(expired.status == sign::VerifyStatus::invalid);
    CHECK(expired.findings.at(0).reason.starts_with("OpenPGP key " + subkey + " expired on "));
    CHECK_FALSE(oracle_verifies(image, expired_pub));

    // Revoking the subkey as compromised (gpg --edit-key: revkey, menu choice 1 "Key has been
    // compromised", which is RFC 4880 reason code 2; text "leaked").
    home.gpg({"--command-fd", "0", "--edit-key", primary.fingerprint_hex()},
             "key 1\nrevkey\ny\n1\nleaked\n\ny\nsave\n");
    const auto revoked_pub = home.write("sub-revoked.pub.asc", home.export_public("sub@test"));
    const auto revoked = verify(image, revoked_pub);
    CHECK(revoked.status == sign::VerifyStatus::invalid);
    const std::string reason = revoked.findings.at(0).reason;
    INFO(reason);
    CHECK(reason.starts_with("OpenPGP key " + subkey + " was revoked on "));
    CHECK(reason.ends_with(" (key compromised: leaked)"));
    CHECK_FALSE(oracle_verifies(image, revoked_pub));
}

// The reference (go-crypto) refuses signatures by a key that is expired or revoked at the time of
// verification, whenever the signature was made; so do we, with the newest self-signature
// deciding the expiry (gpg --quick-set-expire adds one).
TEST_CASE("signatures by an expired or a revoked key are invalid, for us and for the reference",
          "[sign]") {
    sifkit::test::TempDir dir;
    SECTION("expired, then extended") {
        GpgHome home;
        // A key made on 2020-01-01 that expired a day later; the oracle signs inside that day.
        home.gpg({"--faked-system-time", "20200101T000000", "--quick-gen-key", "Old <old@test>",
                  "ed25519", "sign", "1d"});
        const auto secret = home.write("old.sec.asc", home.export_secret("old@test"));
        const auto pub = home.write("old.pub.asc", home.export_public("old@test"));
        const auto certificate = sign::PgpCertificate::load(pub).at(0);
        CHECK(certificate.primary().created == 1577836800);
        CHECK(certificate.primary().expires == 1577836800 + 86400);
        const auto image = writable_copy(upstream_images() / "one-group.sif", dir / "old.sif");
        const auto signed_by =
            run_sifcheck({"sign", "-key", secret, "-time", "1577880000", image.string()});
        INFO(signed_by.describe());
        REQUIRE(signed_by.exit_code == 0);

        const auto report = verify(image, pub);
        CHECK(report.status == sign::VerifyStatus::invalid);
        CHECK(report.findings.at(0).reason ==
              "OpenPGP key " + certificate.fingerprint_hex() + " expired on 2020-01-02T00:00:00Z");
        CHECK_FALSE(oracle_verifies(image, pub));
        const auto cli = run_sifkit({"verify", image.string(), "--key", pub});
        CHECK(cli.exit_code == 11);
        CHECK(cli.out.find("expired on 2020-01-02T00:00:00Z") != std::string::npos);
        // Checked as of a time inside the key's life, the same signature is good.
        sign::VerifyOptions then;
        then.pgp_time = 1577880000;
        CHECK(verify(image, pub, then).status == sign::VerifyStatus::verified);
        // Before the signature was made, and before the key was made, it is not.
        then.pgp_time = 1577836900;
        CHECK(verify(image, pub, then).findings.at(0).reason ==
              "the OpenPGP signature is dated later (2020-01-01T12:00:00Z)");
        then.pgp_time = 1577836000;
        CHECK(verify(image, pub, then).findings.at(0).reason ==
              "OpenPGP key " + certificate.fingerprint_hex() +
                  " is not valid yet (created 2020-01-01T00:00:00Z)");

        // A newer self-signature without expiry revives the key, for both implementations.
        home.gpg({"--quick-set-expire", certificate.fingerprint_hex(), "never"});
        const auto renewed = home.write("renewed.pub.asc", home.export_public("old@test"));
        CHECK_FALSE(sign::PgpCertificate::load(renewed).at(0).primary().expires);
        CHECK(verify(image, renewed).status == sign::VerifyStatus::verified);
        CHECK(oracle_verifies(image, renewed));
    }
    SECTION("revoked") {
        GpgHome home;
        home.generate("Gone <gone@test>", "ed25519");
        const auto secret = home.write("gone.sec.asc", home.export_secret("gone@test"));
        const auto before = home.write("gone.pub.asc", home.export_public("gone@test"));
        const auto fingerprint = sign::PgpCertificate::load(before).at(0).fingerprint_hex();
        const auto image = writable_copy(upstream_images() / "one-group.sif", dir / "gone.sif");
        REQUIRE(run_sifcheck({"sign", "-key", secret, image.string()}).exit_code == 0);
        CHECK(verify(image, before).status == sign::VerifyStatus::verified);

        // Dated an hour ahead of the verifier's clock: the reference calls that expired, we
        // call it dated later; both refuse it.
        const auto ahead = writable_copy(upstream_images() / "one-group.sif", dir / "ahead.sif");
        const auto later = std::to_string(std::time(nullptr) + 3600);
        REQUIRE(run_sifcheck({"sign", "-key", secret, "-time", later, ahead.string()}).exit_code ==
                0);
        CHECK(verify(ahead, before)
                  .findings.at(0)
                  .reason.starts_with("the OpenPGP signature is dated later ("));
        CHECK_FALSE(oracle_verifies(ahead, before));

        // gpg leaves a revocation certificate for every new key, its armor lines disarmed by a
        // leading colon; importing it revokes the key.
        std::string certificate =
            sifkit::test::read_file(home.path() / "openpgp-revocs.d" / (fingerprint + ".rev"));
        for (std::size_t at; (at = certificate.find(":-----")) != std::string::npos;) {
            certificate.erase(at, 1);
        }
        home.import(home.write("gone.rev", certificate));
        const auto revoked = home.write("revoked.pub.asc", home.export_public("gone@test"));
        REQUIRE(sign::PgpCertificate::load(revoked).at(0).primary().revocation);
        const auto report = verify(image, revoked);
        CHECK(report.status == sign::VerifyStatus::invalid);
        CHECK(report.findings.at(0).reason.starts_with("OpenPGP key " + fingerprint +
                                                       " was revoked on "));
        CHECK_FALSE(oracle_verifies(image, revoked));
        CHECK(run_sifkit({"verify", image.string(), "--key", revoked}).exit_code == 11);
    }
}
