// The metadata we compute for the reference's DSSE-signed golden images is byte for byte the
// payload the reference signed.
#include <catch2/catch.hpp>

#include "shared_fixtures.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sign/dsse.hpp"
#include "sifkit/sign/metadata.hpp"

using namespace sifkit;

TEST_CASE("digest text form round-trips and rejects malformed digests") {
    const auto digest =
        sign::digest_of(sign::DigestAlgorithm::sha256, std::as_bytes(std::span("abc", 3)));
    CHECK(digest.to_string() ==
          "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sign::Digest::parse(digest.to_string()) == digest);
    CHECK_THROWS_AS(sign::Digest::parse("sha256:abc"), sifkit::Error);
    CHECK_THROWS_AS(sign::Digest::parse("md5:900150983cd24fb0d6963f7d28e17f72"), sifkit::Error);
    CHECK_THROWS_AS(sign::Digest::parse("no-colon"), sifkit::Error);
}

TEST_CASE("computed metadata equals the payload of every reference DSSE signature") {
    for (const char* name :
         {"images/one-group-signed-dsse.sif", "images/two-groups-signed-dsse.sif"}) {
        const sif::Image image = sif::Image::open(upstream_fixture(name));
        int signatures = 0;
        for (const sif::Descriptor& d : image.objects()) {
            if (d.type() != sif::DataType::signature) {
                continue;
            }
            ++signatures;
            std::string text(static_cast<std::size_t>(d.size), '\0');
            image.read(d, 0, std::as_writable_bytes(std::span(text)));
            const auto envelope = sign::DsseEnvelope::parse(text);
            CHECK(envelope.to_json() == text);
            REQUIRE(d.link().kind() == sif::Link::Kind::group);
            std::vector<std::uint32_t> ids;
            for (const auto& member : image.group_objects(d.link().target())) {
                ids.push_back(member.id);
            }
            const auto metadata = sign::compute_metadata(image, ids);
            CHECK(metadata.to_json() == envelope.payload);
            CHECK(sign::ImageMetadata::parse(envelope.payload) == metadata);
        }
        CHECK(signatures > 0);
    }
}
