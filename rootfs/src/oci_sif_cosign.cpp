// The cosign signatures SingularityCE 4.3 stores in an OCI-SIF (internal/pkg/cosign/sign.go
// with oci-tools' ReplaceImage): an OCI image manifest listed in the root index under the
// ref.name "_cosign:sha256-<hex>.sig", each of its layers a simple-signing payload whose
// annotation holds the base64 signature. Reading only: the signatures are judged by sign/.
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "sifkit/oci/cosign_names.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/rootfs/oci_sif.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/sha256.hpp"

namespace sifkit::rootfs {
namespace {

using Json = nlohmann::json;

namespace media = oci::media;

[[noreturn]] void malformed(const sif::Image& image, const std::string& what) {
    throw Error(ErrorKind::invalid_image, "OCI-SIF: " + what, image.name());
}

std::string string_field(const Json& object, std::string_view key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The blob a descriptor names, its size checked against the object's.
OciBlob blob_of(const sif::Image& image, const Json& descriptor, const std::string& what) {
    OciBlob blob;
    blob.digest = string_field(descriptor, "digest");
    blob.media_type = string_field(descriptor, "mediaType");
    const auto size = descriptor.find("size");
    if (!sif::is_sha256_digest(blob.digest) || size == descriptor.end() ||
        !size->is_number_unsigned()) {
        malformed(image, what + ": a descriptor needs a sha256 digest and a size");
    }
    blob.size = size->get<std::uint64_t>();
    const sif::Descriptor& object = find_oci_blob(image, blob.digest);
    if (static_cast<std::uint64_t>(object.size) != blob.size) {
        malformed(image, what + ": blob " + blob.digest + " is not " + std::to_string(blob.size) +
                             " bytes");
    }
    blob.object = object.id;
    return blob;
}

}  // namespace

std::optional<OciBlob> find_cosign_signature_manifest(const sif::Image& image,
                                                      const OciSifImage& oci) {
    const Json index = Json::parse(oci.index, nullptr, false);
    const std::string wanted = oci::cosign_signature_ref_name(oci.manifest.digest);
    for (const Json& entry : index["manifests"]) {
        if (entry.is_object() && entry.contains("annotations") &&
            entry["annotations"].is_object() &&
            string_field(entry["annotations"], media::kRefNameAnnotation) == wanted) {
            return blob_of(image, entry, "the cosign signature manifest");
        }
    }
    return std::nullopt;
}

std::vector<OciCosignSignature> read_cosign_signatures(const sif::Image& image,
                                                       const OciSifImage& oci) {
    std::vector<OciCosignSignature> signatures;
    const std::optional<OciBlob> manifest_blob = find_cosign_signature_manifest(image, oci);
    if (!manifest_blob) {
        return signatures;
    }
    const Json manifest = Json::parse(read_oci_document(image, *manifest_blob), nullptr, false);
    if (!manifest.is_object() || !manifest.contains("layers") || !manifest["layers"].is_array()) {
        malformed(image,
                  "the cosign signature manifest " + manifest_blob->digest + " has no layers");
    }
    for (const Json& layer : manifest["layers"]) {
        if (!layer.is_object() || string_field(layer, "mediaType") != media::kCosignSimpleSigning) {
            continue;
        }
        const OciBlob payload = blob_of(image, layer, "a cosign signature layer");
        OciCosignSignature signature;
        signature.payload = read_oci_document(image, payload);
        if (layer.contains("annotations") && layer["annotations"].is_object()) {
            signature.signature =
                string_field(layer["annotations"], media::kCosignSignatureAnnotation);
        }
        signatures.push_back(std::move(signature));
    }
    return signatures;
}

std::vector<OciBlob> cosign_signature_blobs(const sif::Image& image, const OciBlob& manifest) {
    const Json document = Json::parse(read_oci_document(image, manifest), nullptr, false);
    if (!document.is_object() || !document.contains("config") || !document.contains("layers") ||
        !document["layers"].is_array()) {
        malformed(image, "the cosign signature manifest " + manifest.digest +
                             " has no config or no layers");
    }
    std::vector<OciBlob> blobs{blob_of(image, document["config"], "the signature config")};
    for (const Json& layer : document["layers"]) {
        blobs.push_back(blob_of(image, layer, "a cosign signature layer"));
    }
    return blobs;
}

void check_oci_blob_digests(const sif::Image& image) {
    std::vector<std::byte> buffer(1U << 20);
    for (const sif::Descriptor& d : image.objects()) {
        if (d.type() != sif::DataType::oci_blob) {
            continue;
        }
        const std::string expected = d.oci_digest().value;
        sif::Sha256 hash;
        sif::ObjectReader reader = image.reader(d);
        while (const std::size_t n = reader.read(buffer)) {
            hash.update(std::span(buffer.data(), n));
        }
        const std::string actual = hash.finish();
        if (actual != expected) {
            malformed(image, "object " + std::to_string(d.id) + " does not match its digest " +
                                 expected + " (its bytes hash to " + actual + ")");
        }
    }
}

}  // namespace sifkit::rootfs
