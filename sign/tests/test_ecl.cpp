// The ECL's rules on reports made by hand (what the CLI suite cannot reach: certificate
// subjects, empty lists, several groups signed by different keys) and the reader's edge cases.
#include <catch2/catch.hpp>

#include "sifkit/sif/error.hpp"
#include "sifkit/sign/ecl.hpp"
#include "sifkit/test/support.hpp"

using namespace sifkit;
namespace fs = std::filesystem;

namespace {

const std::string kFpA = "ACDA783E6BF92B6D3789C166EFF4766457E482E1";
const std::string kIdB = "SHA256:oxHmi7WZ0HCDsKhFDTrSn+2UK8ATB3sSWp3o+n+HK44";
const std::string kSubject = "CN=build,O=site";

sign::SignatureFinding verified(std::uint32_t group, std::vector<std::string> keyids,
                                std::vector<std::string> subjects = {}) {
    sign::SignatureFinding f;
    f.group = group;
    f.task_id = group;
    f.keyids = std::move(keyids);
    f.subjects = std::move(subjects);
    return f;
}

// Group 1 signed by A (OpenPGP), B (DSSE) and a certificate; group 2 by A and the certificate.
sign::VerifyReport two_groups() {
    sign::VerifyReport report;
    report.add(verified(1, {kFpA}));
    report.add(verified(1, {kIdB}, {kSubject}));
    report.add(verified(2, {kFpA}, {kSubject}));
    return report;
}

sign::Ecl one_group(sign::EclMode mode, std::vector<std::string> keyfp,
                    std::vector<std::string> keyid, std::vector<std::string> subjects = {}) {
    sign::Ecl ecl;
    ecl.file = "site.toml";
    ecl.activated = true;
    sign::EclGroup group;
    group.tagname = "g";
    group.mode = mode;
    group.dirpath = "/images";
    group.keyfp = std::move(keyfp);
    group.keyid = std::move(keyid);
    group.certsubject = std::move(subjects);
    group.line = 3;
    ecl.groups.push_back(group);
    return ecl;
}

bool allowed(const sign::Ecl& ecl, const sign::VerifyReport& report = two_groups()) {
    const auto finding = ecl.judge("/images", report);
    INFO(finding.reason);
    CHECK(finding.task == sign::TaskKind::ecl);
    return finding.status == sign::VerifyStatus::verified;
}

}  // namespace

TEST_CASE("ECL modes count a signer for the whitelists only when it signed every group") {
    using M = sign::EclMode;
    CHECK(allowed(one_group(M::whitelist, {"acda783e6bf92b6d3789c166eff4766457e482e1"}, {})));
    CHECK_FALSE(allowed(one_group(M::whitelist, {}, {kIdB})));  // group 1 only
    CHECK(allowed(one_group(M::whitestrict, {kFpA}, {})));
    CHECK_FALSE(allowed(one_group(M::whitestrict, {kFpA}, {kIdB})));
    CHECK_FALSE(allowed(one_group(M::blacklist, {}, {kIdB})));  // any group is enough
    CHECK(allowed(one_group(M::blacklist, {"5994BE54C31CF1B5E1994F987C52CF6D055F072B"}, {})));
    // A DSSE key ID is base64: case matters.
    std::string lower = kIdB;
    lower[7] = 'O';
    CHECK_FALSE(allowed(one_group(M::whitelist, {}, {lower})));
}

TEST_CASE("ECL lists that name nobody: whitelist refuses, whitestrict and blacklist allow") {
    using M = sign::EclMode;
    const auto refusal = one_group(M::whitelist, {}, {}).judge("/images", two_groups());
    CHECK(refusal.status == sign::VerifyStatus::refused);
    CHECK(refusal.reason ==
          "ECL site.toml: execgroup 'g' (whitelist, dirpath /images, line 3): no listed signer "
          "signed every group (the group lists none)");
    CHECK(allowed(one_group(M::whitestrict, {}, {})));
    CHECK(allowed(one_group(M::blacklist, {}, {})));
}

TEST_CASE("ECL certsubject entries match the subjects of certificates that verified") {
    using M = sign::EclMode;
    CHECK(allowed(one_group(M::whitelist, {}, {}, {kSubject})));
    CHECK(allowed(one_group(M::whitestrict, {kFpA}, {}, {kSubject})));
    CHECK_FALSE(allowed(one_group(M::blacklist, {}, {}, {kSubject})));
    CHECK_FALSE(allowed(one_group(M::whitelist, {}, {}, {"CN=build,O=elsewhere"})));
    // Without certificates no signature has a subject: such an entry never matches.
    sign::VerifyReport keys_only;
    keys_only.add(verified(1, {kFpA}));
    CHECK_FALSE(allowed(one_group(M::whitelist, {}, {}, {kSubject}), keys_only));
    CHECK(allowed(one_group(M::blacklist, {}, {}, {kSubject}), keys_only));
}

TEST_CASE("ECL groups: exact directory first, then the first empty dirpath") {
    sign::Ecl ecl;
    ecl.activated = true;
    ecl.groups.resize(3);
    ecl.groups[0].tagname = "fallback";
    ecl.groups[1].tagname = "images";
    ecl.groups[1].dirpath = "/images";
    ecl.groups[2].tagname = "second-fallback";
    CHECK(ecl.group_for("/images")->tagname == "images");
    CHECK(ecl.group_for("/images/sub")->tagname == "fallback");
    CHECK(ecl.group_for("/")->tagname == "fallback");
    ecl.groups.erase(ecl.groups.begin());
    ecl.groups.pop_back();
    CHECK(ecl.group_for("/other") == nullptr);
    CHECK(ecl.judge("/other", two_groups()).status == sign::VerifyStatus::refused);
    ecl.activated = false;
    CHECK(ecl.judge("/other", two_groups()).status == sign::VerifyStatus::verified);
}

TEST_CASE("ECL reader: defaults, an empty group list, and errors with their line") {
    sifkit::test::TempDir dir("sifkit-ecl-unit");
    const fs::path file = dir / "ecl.toml";
    sifkit::test::write_file(file, "execgroup = []\n");
    const auto empty = sign::Ecl::load(file);
    CHECK_FALSE(empty.activated);
    CHECK(empty.groups.empty());

    const auto error_of = [&](const std::string& text) {
        sifkit::test::write_file(file, text);
        try {
            sign::Ecl::load(file);
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::invalid_input);
            CHECK(e.file() == file.string());
            return e.detail();
        }
        return std::string("no error");
    };
    CHECK(error_of("activated = \"yes\"\n") == "line 1: activated must be true or false");
    CHECK(error_of("[[execgroup]]\ntagname = \"x\"\n") ==
          "line 1: [[execgroup]] has no mode (whitelist, whitestrict or blacklist)");
    CHECK(error_of("[[execgroup]]\nmode = \"blacklist\"\ncertsubject = [\"\"]\n") ==
          "line 3: certsubject entries must not be empty");
    CHECK(error_of("[[execgroup]]\nmode = \"blacklist\"\nkeyid = [\"SHA256:short\"]\n") ==
          "line 1: execgroup '': keyid \"SHA256:short\" is not a DSSE key ID (SHA256: and 43 "
          "base64 characters, as `sifkit key fingerprint` prints it)");
    CHECK(error_of("[[execgroup]]\nmode = \"blacklist\"\n[[execgroup]]\nmode = \"whitelist\"\n") ==
          "line 3: execgroup '': dirpath \"\" is already another group's");
    CHECK(error_of("[execgroup]\nmode = \"blacklist\"\n") ==
          "line 1: execgroup must be tables ([[execgroup]])");
}
