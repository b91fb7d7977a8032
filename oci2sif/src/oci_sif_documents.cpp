#include "oci_sif_documents.hpp"

#include "sifkit/oci2sif/oci_sif_index.hpp"

#include "sifkit/sif/time_text.hpp"

namespace sifkit::oci2sif {
namespace {

// Key order as go-containerregistry marshals a v1.Descriptor.
nlohmann::ordered_json descriptor_json(const BlobDescriptor& blob) {
    nlohmann::ordered_json out;
    out["mediaType"] = blob.media_type;
    out["size"] = blob.size;
    out["digest"] = blob.digest;
    return out;
}

std::string compact(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string oci_sif_config(const ImageConfig& config, const std::vector<BlobDescriptor>& layers,
                           const std::string& source_digest, std::optional<std::int64_t> created) {
    Json document = config.document.is_object() ? config.document : Json::object();
    document["architecture"] = config.architecture;
    document["os"] = config.os.empty() ? "linux" : config.os;
    if (!config.variant.empty()) {
        document["variant"] = config.variant;
    }
    if (!config.author.empty()) {
        document["author"] = config.author;
    }
    document["config"] = config.runtime;
    Json diff_ids = Json::array();
    for (const BlobDescriptor& layer : layers) {
        diff_ids.push_back(layer.digest);
    }
    document["rootfs"] = Json{{"type", "layers"}, {"diff_ids", diff_ids}};
    // As oci-tools' SetHistory: one entry for the whole squashfs image. Its time is the
    // conversion's recorded time (never the wall clock), left out when there is none.
    Json history{{"created_by", "sifkit convert --format oci-sif"}};
    if (!source_digest.empty()) {
        history["comment"] =
            "oci-sif created from " + source_digest.substr(source_digest.find(':') + 1);
    }
    if (created) {
        history["created"] = sif::utc_rfc3339(*created);
        document["created"] = sif::utc_rfc3339(*created);
    }
    document["history"] = Json::array({history});
    return compact(document);
}

std::string oci_sif_manifest(const BlobDescriptor& config,
                             const std::vector<BlobDescriptor>& layers) {
    nlohmann::ordered_json layer_list = nlohmann::ordered_json::array();
    for (const BlobDescriptor& layer : layers) {
        layer_list.push_back(descriptor_json(layer));
    }
    // Key order as go-containerregistry marshals a v1.Manifest.
    nlohmann::ordered_json manifest;
    manifest["schemaVersion"] = 2;
    manifest["mediaType"] = oci::media::kOciManifest;
    manifest["config"] = descriptor_json(config);
    manifest["layers"] = layer_list;
    return manifest.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string oci_sif_index(const BlobDescriptor& manifest) {
    nlohmann::ordered_json index;
    index["schemaVersion"] = 2;
    index["mediaType"] = oci::media::kOciIndex;
    index["manifests"] = nlohmann::ordered_json::array({descriptor_json(manifest)});
    return index.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace sifkit::oci2sif

namespace sifkit::oci2sif {

std::string oci_sif_root_index(const std::string& manifest_media_type,
                               const std::string& manifest_digest, std::uint64_t manifest_size) {
    return oci_sif_index(BlobDescriptor{manifest_media_type, manifest_digest, manifest_size});
}

}  // namespace sifkit::oci2sif
