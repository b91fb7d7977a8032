// The OCI vocabulary module: cosign's names, layout paths, media-type predicates, and the
// OCI-SIF object lookups on a real SIF file (a blob found by digest, the document bound, the
// one root index).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "sifkit/oci/cosign_names.hpp"
#include "sifkit/oci/image_layout.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/oci/oci_sif_objects.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/sha256.hpp"
#include "sifkit/sif/source.hpp"
#include "sifkit/sif/storage.hpp"
#include "sifkit/test/support.hpp"

using namespace sifkit;

namespace {

constexpr const char* kDigest =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

sif::Image create_image(const std::filesystem::path& path) {
    std::ofstream(path).close();
    sif::CreateOptions options = sif::CreateOptions::deterministic();
    return sif::Image::create(sif::FileStorage::open(path, sif::OpenMode::read_write), options);
}

const sif::Descriptor& add_blob(sif::Image& image, const std::string& bytes) {
    sif::ObjectSpec spec;
    spec.type = sif::DataType::oci_blob;
    spec.extra = sif::OciDigest{sif::sha256_digest(bytes)};
    sif::MemorySource source{std::string_view(bytes)};
    return image.add(spec, source);
}

}  // namespace

TEST_CASE("cosign's names derive from the manifest digest", "[oci][cosign]") {
    CHECK(oci::cosign_signature_tag(kDigest) ==
          "sha256-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a.sig");
    CHECK(oci::cosign_signature_ref_name(kDigest) ==
          "_cosign:sha256-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a.sig");
    CHECK(oci::is_cosign_ref_name(oci::cosign_signature_ref_name(kDigest)));
    CHECK(oci::is_cosign_ref_name("_cosign:sha256-00.att"));
    CHECK_FALSE(oci::is_cosign_ref_name("latest"));
    CHECK_FALSE(oci::is_cosign_ref_name("x_cosign:sha256-00.sig"));
}

TEST_CASE("layout blob paths come from checked sha256 digests only", "[oci][layout]") {
    CHECK(oci::layout_blob_path(kDigest) ==
          "blobs/sha256/44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    CHECK_THROWS_AS(oci::layout_blob_path("sha256:../../etc/passwd"), Error);
    CHECK_THROWS_AS(oci::layout_blob_path("sha512:00"), Error);
}

TEST_CASE("media-type predicates name both families", "[oci][media]") {
    CHECK(oci::media::is_image_manifest(oci::media::kOciManifest));
    CHECK(oci::media::is_image_manifest(oci::media::kDockerManifest));
    CHECK_FALSE(oci::media::is_image_manifest(oci::media::kOciIndex));
    CHECK(oci::media::is_image_index(oci::media::kDockerManifestList));
    CHECK_FALSE(oci::media::is_image_index(oci::media::kOciConfig));
    CHECK(oci::media::is_tar_layer("application/vnd.oci.image.layer.v1.tar+zstd"));
    CHECK(oci::media::is_tar_layer(oci::media::kDockerLayerGzip));
    CHECK_FALSE(oci::media::is_tar_layer(oci::media::kSquashfsLayer));
    CHECK_FALSE(oci::media::is_tar_layer("application/vnd.oci.image.layer.v1.tar+brotli"));
}

TEST_CASE("OCI-SIF blobs are found by digest and read whole with a bound", "[oci][oci-sif]") {
    const std::filesystem::path path = test::process_scratch("oci-tests") / "objects.sif";
    const std::string document = R"({"schemaVersion":2})";
    const std::string big(static_cast<std::size_t>(oci::kMaxDocumentBytes) + 1, 'x');
    {
        sif::Image image = create_image(path);
        add_blob(image, document);
        add_blob(image, big);
    }
    const sif::Image image = sif::Image::open(path);
    const sif::Descriptor* found = oci::find_blob(image, sif::sha256_digest(document));
    REQUIRE(found != nullptr);
    CHECK(oci::read_document(image, *found, "the manifest") == document);
    CHECK(oci::find_blob(image, kDigest) == nullptr);

    const sif::Descriptor* large = oci::find_blob(image, sif::sha256_digest(big));
    REQUIRE(large != nullptr);
    try {
        oci::read_document(image, *large, "the manifest");
        FAIL("a document over 16 MiB was read");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::invalid_image);
        CHECK(std::string(e.what()).find("OCI-SIF: the manifest is larger than 16 MiB") !=
              std::string::npos);
        CHECK(e.file() == path.string());
    }
}

TEST_CASE("an OCI-SIF's root index is found, and two are refused", "[oci][oci-sif]") {
    const std::filesystem::path path = test::process_scratch("oci-tests") / "roots.sif";
    const std::string index = R"({"schemaVersion":2,"manifests":[]})";
    const auto add_root = [&](sif::Image& image) {
        sif::ObjectSpec spec;
        spec.type = sif::DataType::oci_root_index;
        spec.extra = sif::OciDigest{sif::sha256_digest(index)};
        sif::MemorySource source{std::string_view(index)};
        return image.add(spec, source).id;
    };
    {
        sif::Image image = create_image(path);
        add_blob(image, index);
        CHECK(oci::find_root_index(image) == nullptr);  // a native SIF
        const std::uint32_t root = add_root(image);
        REQUIRE(oci::find_root_index(image) != nullptr);
        CHECK(oci::find_root_index(image)->id == root);
        add_root(image);
    }
    const sif::Image image = sif::Image::open(path);
    try {
        oci::find_root_index(image);
        FAIL("an image with two root indexes was read");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::invalid_image);
        CHECK(std::string(e.what()).find(
                  "OCI-SIF: 2 OCI.RootIndex objects (IDs 2, 3); an OCI-SIF holds exactly one") !=
              std::string::npos);
        CHECK(e.file() == path.string());
    }
}
