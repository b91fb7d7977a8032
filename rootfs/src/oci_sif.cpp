#include "sifkit/rootfs/oci_sif.hpp"

#include <nlohmann/json.hpp>
#include <string_view>

#include "sifkit/oci/cosign_names.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/oci/oci_sif_objects.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/sha256.hpp"

namespace sifkit::rootfs {
namespace {

using Json = nlohmann::json;

[[noreturn]] void malformed(const sif::Image& image, const std::string& what) {
    throw Error(ErrorKind::invalid_image, "OCI-SIF: " + what, image.name());
}

Json parse(const sif::Image& image, const std::string& text, const std::string& what) {
    Json value = Json::parse(text, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
        malformed(image, what + " is not a JSON object");
    }
    return value;
}

OciBlob descriptor_of(const sif::Image& image, const Json& value, const std::string& what) {
    if (!value.is_object() || !value.contains("digest") || !value["digest"].is_string() ||
        !value.contains("size") || !value["size"].is_number_unsigned()) {
        malformed(image, what + ": a descriptor needs a digest and a size");
    }
    OciBlob blob;
    blob.digest = value["digest"].get<std::string>();
    blob.size = value["size"].get<std::uint64_t>();
    if (value.contains("mediaType") && value["mediaType"].is_string()) {
        blob.media_type = value["mediaType"].get<std::string>();
    }
    if (!sif::is_sha256_digest(blob.digest)) {
        throw Error(ErrorKind::unsupported,
                    "OCI-SIF: " + what + ": digest " + blob.digest + " is not sha256",
                    image.name());
    }
    const sif::Descriptor& object = find_oci_blob(image, blob.digest);
    if (static_cast<std::uint64_t>(object.size) != blob.size) {
        malformed(image, what + ": blob " + blob.digest + " is " + std::to_string(object.size) +
                             " bytes, the descriptor says " + std::to_string(blob.size));
    }
    blob.object = object.id;
    return blob;
}

// The manifests SingularityCE 4.3 (`sign --cosign`, `pull --with-cosign`) stores next to the
// image: cosign signatures and attestations, named "_cosign:sha256-<hex>.sig" (".att") by
// oci-tools' ref.name convention. SingularityCE's own reader skips them the same way
// (ocisif.SkipCosignMatcher: any ref.name starting with the placeholder repository "_cosign").
bool is_cosign_manifest(const Json& entry) {
    if (!entry.contains("annotations") || !entry["annotations"].is_object()) {
        return false;
    }
    const Json& annotations = entry["annotations"];
    const auto name = annotations.find(oci::media::kRefNameAnnotation);
    return name != annotations.end() && name->is_string() &&
           oci::is_cosign_ref_name(name->get<std::string>());
}

}  // namespace

bool is_oci_sif(const sif::Image& image) {
    for (const sif::Descriptor& d : image.objects()) {
        if (d.type() == sif::DataType::oci_root_index) {
            return true;
        }
    }
    return false;
}

const sif::Descriptor& find_oci_blob(const sif::Image& image, const std::string& digest) {
    if (const sif::Descriptor* blob = oci::find_blob(image, digest)) {
        return *blob;
    }
    throw Error(ErrorKind::not_found, "OCI-SIF: no OCI.Blob object holds " + digest, image.name());
}

std::string read_oci_document(const sif::Image& image, const OciBlob& blob) {
    const std::string text =
        oci::read_document(image, image.object(blob.object), "blob " + blob.digest);
    if (sif::sha256_digest(text) != blob.digest) {
        malformed(image, "blob " + blob.digest + " does not match its digest");
    }
    return text;
}

OciSifImage read_oci_sif(const sif::Image& image) {
    const sif::Descriptor* root = oci::find_root_index(image);
    if (root == nullptr) {
        throw Error(ErrorKind::not_found, "not an OCI-SIF image (no OCI.RootIndex object)",
                    image.name());
    }
    OciSifImage out;
    out.index = oci::read_document(image, *root, "the root index");
    const Json index = parse(image, out.index, "the root index");
    if (!index.contains("manifests") || !index["manifests"].is_array()) {
        malformed(image, "the root index has no manifests");
    }
    std::vector<const Json*> images;
    for (const Json& entry : index["manifests"]) {
        const std::string type =
            entry.is_object() && entry.contains("mediaType") && entry["mediaType"].is_string()
                ? entry["mediaType"].get<std::string>()
                : "";
        if (oci::media::is_image_manifest(type) && !is_cosign_manifest(entry)) {
            images.push_back(&entry);
        }
    }
    if (images.size() != 1) {
        throw Error(ErrorKind::unsupported,
                    "OCI-SIF: the root index lists " + std::to_string(images.size()) +
                        " image manifests besides cosign's; sifkit reads images with exactly one",
                    image.name());
    }
    out.manifest = descriptor_of(image, *images.front(), "the root index");
    out.manifest_json = read_oci_document(image, out.manifest);
    const Json manifest = parse(image, out.manifest_json, "the image manifest");
    if (!manifest.contains("config")) {
        malformed(image, "the image manifest has no config");
    }
    out.config = descriptor_of(image, manifest["config"], "the manifest's config");
    out.config_json = read_oci_document(image, out.config);
    parse(image, out.config_json, "the image config");
    if (!manifest.contains("layers") || !manifest["layers"].is_array()) {
        malformed(image, "the image manifest has no layers");
    }
    for (const Json& layer : manifest["layers"]) {
        out.layers.push_back(descriptor_of(image, layer, "a manifest layer"));
    }
    return out;
}

}  // namespace sifkit::rootfs
