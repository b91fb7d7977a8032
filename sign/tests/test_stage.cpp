// Staging: the verified copy is byte-identical to the source and its report equals a plain
// verification of it; an image that does not verify leaves no destination behind.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "shared_fixtures.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sign/stage.hpp"

using namespace sifkit;
namespace fs = std::filesystem;

TEST_CASE("stage copies a verified image and reports like verify") {
    sifkit::test::TempDir dir("sifkit-stage");
    const auto key = sign::PublicKey::load(upstream_fixture("keys/rsa-public.pem"));
    sign::VerifyOptions options;
    options.keys = {&key};
    for (const char* name :
         {"images/one-group-signed-dsse.sif", "images/two-groups-signed-dsse.sif"}) {
        INFO(name);
        const auto source = upstream_fixture(name);
        const auto dest = dir.path() / fs::path(name).filename();
        const auto result = sign::stage_image(source, dest, options);
        CHECK(result.written);
        CHECK(slurp(dest) == slurp(source));
        const auto direct = sign::verify_image(sif::Image::open(source), options);
        REQUIRE(result.report.findings.size() == direct.findings.size());
        for (std::size_t i = 0; i < direct.findings.size(); ++i) {
            CHECK(result.report.findings[i].objects == direct.findings[i].objects);
            CHECK(result.report.findings[i].status == direct.findings[i].status);
        }
        CHECK_THROWS_AS(sign::stage_image(source, dest, options), Error);  // exists
    }
}

TEST_CASE("stage leaves nothing behind when verification fails") {
    sifkit::test::TempDir dir("sifkit-stage");
    const auto key = sign::PublicKey::load(upstream_fixture("keys/ecdsa-public.pem"));
    sign::VerifyOptions options;
    options.keys = {&key};
    const auto dest = dir.path() / "out.sif";
    auto result =
        sign::stage_image(upstream_fixture("images/one-group-signed-dsse.sif"), dest, options);
    CHECK_FALSE(result.written);
    CHECK(result.report.status == sign::VerifyStatus::untrusted);
    result = sign::stage_image(upstream_fixture("images/one-group.sif"), dest, options);
    CHECK(result.report.status == sign::VerifyStatus::not_signed);
    CHECK(fs::is_empty(dir.path()));
    // Not an image: an Error, and still nothing left.
    const auto junk = dir.path() / "junk";
    std::ofstream(junk) << "junk";
    CHECK_THROWS_AS(sign::stage_image(junk, dest, options), Error);
    fs::remove(junk);
    CHECK(fs::is_empty(dir.path()));
}
