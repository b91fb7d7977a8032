#include "sifkit/registry/inspect.hpp"

#include <nlohmann/json.hpp>

#include "document_store.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/header.hpp"

namespace sifkit::registry {

RemoteImage inspect_image(const Reference& reference, const ClientOptions& options,
                          std::string_view platform, bool list_tags) {
    Client client(reference.registry, reference.repository, options);
    RemoteImage out;
    out.name = reference.registry + "/" + reference.repository;
    auto store = std::make_shared<DocumentStore>(
        client, client.get_manifest(reference.manifest_reference()), reference.to_string());
    out.documents = oci2sif::inspect_store(store, "", platform);
    if (list_tags) {
        out.tags = client.list_tags();
    }
    return out;
}

ManifestDocument raw_manifest(const Reference& reference, const ClientOptions& options) {
    Client client(reference.registry, reference.repository, options);
    return client.get_manifest(reference.manifest_reference());
}

namespace {

std::map<std::string, std::string> strings_of(const nlohmann::json& object) {
    std::map<std::string, std::string> out;
    if (object.is_object()) {
        for (const auto& [key, value] : object.items()) {
            if (value.is_string()) {
                out[key] = value.get<std::string>();
            }
        }
    }
    return out;
}

// The largest descriptor table read (the reference tool's images have 48 descriptors of 585
// bytes; sifkit's at most a few hundred): more is not a SIF header worth a ranged request.
constexpr std::int64_t kMaxDescriptorTable = 1 << 20;

}  // namespace

RemoteArtifact inspect_artifact(const Reference& reference, const ClientOptions& options,
                                bool sif) {
    Client client(reference.registry, reference.repository, options);
    RemoteArtifact out;
    out.name = reference.registry + "/" + reference.repository;
    out.manifest = client.get_manifest(reference.manifest_reference());
    const std::string origin = reference.to_string();
    const auto json = nlohmann::json::parse(out.manifest.body, nullptr, false);
    if (!json.is_object()) {
        throw Error(ErrorKind::invalid_input, "the manifest is not a JSON object", origin);
    }
    out.media_type = json.value("mediaType", out.manifest.media_type);
    if (json.contains("manifests")) {
        throw Error(
            ErrorKind::unsupported,
            "an image index, not a SIF artifact: inspect it as docker://" + reference.name(),
            origin);
    }
    const auto config = json.value("config", nlohmann::json::object());
    out.artifact_type = json.value("artifactType", config.value("mediaType", std::string()));
    out.annotations = strings_of(json.value("annotations", nlohmann::json::object()));
    const oci2sif::LayerDescriptor* sif_layer = nullptr;
    for (const auto& item : json.value("layers", nlohmann::json::array())) {
        oci2sif::LayerDescriptor layer;
        layer.media_type = item.value("mediaType", std::string());
        layer.digest = item.value("digest", std::string());
        if (item.contains("size") && item["size"].is_number_unsigned()) {
            layer.size = item["size"].get<std::uint64_t>();
        }
        layer.annotations = strings_of(item.value("annotations", nlohmann::json::object()));
        out.layers.push_back(std::move(layer));
    }
    for (const auto& layer : out.layers) {
        if (layer.media_type == oci::media::kSifLayer) {
            sif_layer = &layer;
        }
    }
    if (sif_layer == nullptr) {
        throw Error(ErrorKind::unsupported,
                    "not a SIF artifact (no layer of type " + std::string(oci::media::kSifLayer) +
                        "); a container image is inspected as docker://" + reference.name(),
                    origin);
    }
    if (!sif) {
        return out;
    }
    out.sif_size = sif_layer->size.value_or(0);
    out.sif_header = client.fetch_range(sif_layer->digest, 0, sif::kHeaderSize);
    if (out.sif_header.size() != sif::kHeaderSize) {
        throw Error(ErrorKind::invalid_image, "truncated: shorter than a SIF header",
                    origin + "@" + sif_layer->digest);
    }
    const sif::Header header = sif::Header::decode(std::span<const std::byte, sif::kHeaderSize>(
        reinterpret_cast<const std::byte*>(out.sif_header.data()), sif::kHeaderSize));
    if (header.descriptors_offset < 0 || header.descriptors_size < 0 ||
        header.descriptors_size > kMaxDescriptorTable) {
        throw Error(ErrorKind::invalid_image,
                    "descriptor table of " + std::to_string(header.descriptors_size) +
                        " bytes at " + std::to_string(header.descriptors_offset) +
                        " is not one to read",
                    origin + "@" + sif_layer->digest);
    }
    out.sif_descriptors_offset = static_cast<std::uint64_t>(header.descriptors_offset);
    out.sif_descriptors = client.fetch_range(sif_layer->digest, out.sif_descriptors_offset,
                                             static_cast<std::uint64_t>(header.descriptors_size));
    return out;
}

}  // namespace sifkit::registry
