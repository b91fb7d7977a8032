// Reference -> us: every image written by the reference implementations (the Debian 2.8.3 test
// corpus and newer upstream images with OCI types) loads with our library, and every field,
// relative ID, digest input and object hash equals what the reference reads.
#include <catch2/catch.hpp>

#include "common.hpp"

using namespace interop;

TEST_CASE("reference corpus images read identically", "[reference][oracle]") {
    std::vector<fs::path> images = sif_files(reference_images());
    const auto upstream = sif_files(upstream_images());
    images.insert(images.end(), upstream.begin(), upstream.end());
    REQUIRE(images.size() >= 17);
    bool saw_oci_blob = false;
    bool saw_oci_index = false;
    for (const auto& path : images) {
        {
            INFO(path.string());
            const auto image = sif::Image::open(path);
            check_against_dump(image, sifcheck_dump(path), path.string());
            check_against_integrity(image, sifcheck_integrity(path), path.string());
            for (const auto& d : image.objects()) {
                if (d.type() == sif::DataType::oci_blob ||
                    d.type() == sif::DataType::oci_root_index) {
                    (d.type() == sif::DataType::oci_blob ? saw_oci_blob : saw_oci_index) = true;
                    const auto digest = d.oci_digest();
                    CHECK(digest.well_formed());
                    // The digest names the object's own content.
                    CHECK(digest.value ==
                          "sha256:" + sifkit::test::sha256_hex(object_bytes(image, d)));
                }
            }
        }
    }
    if (!upstream.empty()) {
        CHECK(saw_oci_blob);
        CHECK(saw_oci_index);
    }
}
