// Signing and verifying whole images against the reference's DSSE golden images.
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "shared_fixtures.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/sign.hpp"
#include "sifkit/sign/verify.hpp"

using namespace sifkit;
namespace fs = std::filesystem;

namespace {

struct Scratch {
    fs::path dir;
    Scratch() {
        std::random_device seed;
        dir = fs::temp_directory_path() / ("sifkit-sign-" + std::to_string(seed()));
        fs::create_directories(dir);
    }
    ~Scratch() { fs::remove_all(dir); }
    fs::path copy(const std::string& fixture) const {
        const fs::path target = dir / fs::path(fixture).filename();
        fs::copy_file(upstream_fixture(fixture), target, fs::copy_options::overwrite_existing);
        fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
        return target;
    }
};

sign::VerifyReport verify_with(const fs::path& image, const std::vector<std::string>& keys) {
    std::vector<sign::PublicKey> loaded;
    for (const auto& k : keys) {
        loaded.push_back(sign::PublicKey::load(upstream_fixture("keys/" + k)));
    }
    sign::VerifyOptions options;
    for (const auto& k : loaded) {
        options.keys.push_back(&k);
    }
    return sign::verify_image(sif::Image::open(image), options);
}

}  // namespace

TEST_CASE("signing the reference's unsigned image reproduces its DSSE-signed golden image") {
    Scratch scratch;
    for (const char* base : {"two-groups", "one-group"}) {
        const fs::path image = scratch.copy(std::string("images/") + base + ".sif");
        const auto ed = sign::PrivateKey::load(upstream_fixture("keys/ed25519-private.pem"));
        const auto rsa = sign::PrivateKey::load(upstream_fixture("keys/rsa-private.pem"));
        {
            sif::Image writable = sif::Image::open(image, sif::OpenMode::read_write);
            sign::SignOptions options;
            options.keys = {&ed, &rsa};
            options.time = sif::kUnsetTime;
            CHECK(sign::sign_image(writable, options).size() ==
                  (std::string(base) == "two-groups" ? 2U : 1U));
        }
        CHECK(slurp(image) ==
              slurp(upstream_fixture(std::string("images/") + base + "-signed-dsse.sif")));
    }
}

TEST_CASE("reference DSSE images verify with either signing key, not with another") {
    for (const char* name :
         {"images/one-group-signed-dsse.sif", "images/two-groups-signed-dsse.sif"}) {
        const fs::path image = upstream_fixture(name);
        CHECK(verify_with(image, {"ed25519-public.pem"}).status == sign::VerifyStatus::verified);
        CHECK(verify_with(image, {"rsa-public.pem"}).status == sign::VerifyStatus::verified);
        CHECK(verify_with(image, {"ecdsa-public.pem"}).status == sign::VerifyStatus::untrusted);
        CHECK(verify_with(image, {}).status == sign::VerifyStatus::untrusted);
    }
}

TEST_CASE("unsigned images, tampering and added objects are reported") {
    Scratch scratch;
    CHECK(verify_with(upstream_fixture("images/one-group.sif"), {"ed25519-public.pem"}).status ==
          sign::VerifyStatus::not_signed);

    const fs::path image = scratch.copy("images/one-group-signed-dsse.sif");
    {
        // Flip one byte of object 1's data.
        sif::Image writable = sif::Image::open(image, sif::OpenMode::read_write);
        const auto& d = writable.object(1);
        std::byte b{};
        writable.read(d, 0, std::span(&b, 1));
        b ^= std::byte{1};
        writable.storage().write_at(static_cast<std::uint64_t>(d.offset), std::span(&b, 1));
    }
    auto report = verify_with(image, {"ed25519-public.pem"});
    CHECK(report.status == sign::VerifyStatus::invalid);
    REQUIRE_FALSE(report.findings.empty());
    CHECK(report.findings.back().reason == "data object integrity compromised: 1");

    const fs::path grown = scratch.copy("images/one-group-signed-dsse.sif");
    {
        sif::Image writable = sif::Image::open(grown, sif::OpenMode::read_write);
        sif::ObjectSpec spec;
        spec.type = sif::DataType::generic;
        spec.group = 1;
        sif::MemorySource source(std::string_view("extra"));
        writable.add(spec, source);
    }
    report = verify_with(grown, {"ed25519-public.pem"});
    CHECK(report.status == sign::VerifyStatus::invalid);
    CHECK(report.findings.back().reason == "object 4: object not signed");
}
