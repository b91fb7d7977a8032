#include "sifkit/oci2sif/cosign_signature.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "sifkit/oci/cosign_names.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/oci/oci_sif_objects.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/sha256.hpp"

namespace sifkit::oci2sif {
namespace {

using Ordered = nlohmann::ordered_json;

namespace media = oci::media;

// go-containerregistry's zero time, which an empty image's config and history carry.
constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

[[noreturn]] void malformed(const sif::Image& image, const std::string& what) {
    throw Error(ErrorKind::invalid_image, "OCI-SIF: " + what, image.name());
}

Ordered descriptor_json(std::string_view media_type, const std::string& text) {
    Ordered out;
    out["mediaType"] = media_type;
    out["size"] = text.size();
    out["digest"] = sif::sha256_digest(text);
    return out;
}

// The config go-containerregistry computes for empty.Image with `layers` appended (field
// order of v1.ConfigFile; one zero-time history entry per appended layer).
std::string signature_config(const Ordered& layers) {
    Ordered diff_ids = Ordered::array();
    Ordered history = Ordered::array();
    for (const Ordered& layer : layers) {
        diff_ids.push_back(layer["digest"]);
        history.push_back(Ordered{{"created", kZeroTime}});
    }
    Ordered config;
    config["architecture"] = "";
    config["created"] = kZeroTime;
    config["history"] = history;
    config["os"] = "";
    config["rootfs"] = Ordered{{"type", "layers"}, {"diff_ids", diff_ids}};
    config["config"] = Ordered::object();
    return config.dump();
}

std::string signature_manifest(const std::string& config, const Ordered& layers) {
    Ordered manifest;
    manifest["schemaVersion"] = 2;
    manifest["mediaType"] = media::kOciManifest;
    manifest["config"] = descriptor_json(media::kOciConfig, config);
    manifest["layers"] = layers;
    return manifest.dump();
}

}  // namespace

std::string append_cosign_signatures(sif::Image& image, const std::string& image_digest,
                                     const std::vector<CosignLayer>& layers,
                                     std::optional<std::int64_t> time) {
    const std::string ref_name = oci::cosign_signature_ref_name(image_digest);
    const sif::Descriptor* root = oci::find_root_index(image);
    if (root == nullptr) {
        throw Error(ErrorKind::usage, "not an OCI-SIF image (no OCI.RootIndex object)",
                    image.name());
    }
    const std::uint32_t old_root = root->id;
    Ordered index =
        Ordered::parse(oci::read_document(image, *root, "the root index"), nullptr, false);
    if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) {
        malformed(image, "the root index has no manifests");
    }
    // The signature manifest already there, if any: its layers are kept.
    Ordered* entry = nullptr;
    Ordered kept = Ordered::array();
    std::set<std::string> old_documents;
    for (Ordered& candidate : index["manifests"]) {
        if (candidate.is_object() && candidate.contains("annotations") &&
            candidate["annotations"].is_object() &&
            candidate["annotations"].contains(media::kRefNameAnnotation) &&
            candidate["annotations"][media::kRefNameAnnotation] == ref_name) {
            entry = &candidate;
        }
    }
    if (entry != nullptr) {
        if (!entry->contains("digest") || !(*entry)["digest"].is_string()) {
            malformed(image, "the root index lists " + ref_name + " without a digest");
        }
        const std::string digest = (*entry)["digest"].get<std::string>();
        const sif::Descriptor* object = oci::find_blob(image, digest);
        if (object == nullptr) {
            malformed(image, "no OCI.Blob object holds the signature manifest " + digest);
        }
        const std::string text = oci::read_document(image, *object, "the signature manifest");
        if (sif::sha256_digest(text) != digest) {
            malformed(image, "the signature manifest " + digest + " does not match its digest");
        }
        const Ordered manifest = Ordered::parse(text, nullptr, false);
        if (!manifest.is_object() || !manifest.contains("layers") ||
            !manifest["layers"].is_array()) {
            malformed(image, "the signature manifest " + digest + " has no layers");
        }
        kept = manifest["layers"];
        for (const Ordered& layer : kept) {
            if (!layer.is_object() || !layer.contains("digest") || !layer["digest"].is_string()) {
                malformed(image, "the signature manifest " + digest + " has a malformed layer");
            }
        }
        old_documents.insert(digest);
        if (manifest.contains("config") && manifest["config"].is_object() &&
            manifest["config"].contains("digest") && manifest["config"]["digest"].is_string()) {
            old_documents.insert(manifest["config"]["digest"].get<std::string>());
        }
    }
    // The new layers, and the payload blobs the SIF does not hold yet.
    std::vector<const CosignLayer*> new_payloads;
    std::set<std::string> payload_digests;
    for (const CosignLayer& layer : layers) {
        Ordered descriptor = descriptor_json(media::kCosignSimpleSigning, layer.payload);
        const bool present = std::any_of(kept.begin(), kept.end(), [&](const Ordered& k) {
            if (k["digest"] != descriptor["digest"] || !k.contains("annotations") ||
                !k["annotations"].is_object()) {
                return false;
            }
            const auto signature = k["annotations"].find(media::kCosignSignatureAnnotation);
            return signature != k["annotations"].end() && *signature == layer.signature;
        });
        if (present) {
            continue;
        }
        const std::string digest = descriptor["digest"];
        if (oci::find_blob(image, digest) == nullptr && payload_digests.insert(digest).second) {
            new_payloads.push_back(&layer);
        }
        descriptor["annotations"] = Ordered{{media::kCosignSignatureAnnotation, layer.signature}};
        kept.push_back(descriptor);
    }
    const std::string config = signature_config(kept);
    const std::string manifest = signature_manifest(config, kept);
    const std::string config_digest = sif::sha256_digest(config);
    const std::string manifest_digest = sif::sha256_digest(manifest);
    if (entry != nullptr && (*entry)["digest"] == manifest_digest) {
        return ref_name;  // the same signatures: the image is left as it is
    }
    const bool add_config = oci::find_blob(image, config_digest) == nullptr;
    const bool add_manifest = oci::find_blob(image, manifest_digest) == nullptr;
    const std::size_t needed =
        new_payloads.size() + (add_config ? 1 : 0) + (add_manifest ? 1 : 0) + 1;
    if (image.free_slots() < needed) {
        throw Error(ErrorKind::conflict,
                    "the descriptor table has " + std::to_string(image.free_slots()) +
                        " free slot(s); the cosign signature needs " + std::to_string(needed),
                    image.name());
    }
    const sif::UpdateOptions update{time};
    const auto spec_of = [&](sif::DataType type, const std::string& text) {
        sif::ObjectSpec spec;
        spec.type = type;
        spec.extra = sif::OciDigest{sif::sha256_digest(text)};
        spec.time = time;
        return spec;
    };
    const auto add = [&](sif::DataType type, const std::string& text) {
        sif::MemorySource source(text, "OCI document");
        image.add(spec_of(type, text), source, update);
    };
    // oci-tools' order: layers, config, manifest, then the root index.
    for (const CosignLayer* layer : new_payloads) {
        add(sif::DataType::oci_blob, layer->payload);
    }
    if (add_config) {
        add(sif::DataType::oci_blob, config);
    }
    if (add_manifest) {
        add(sif::DataType::oci_blob, manifest);
    }
    Ordered listed = descriptor_json(media::kOciManifest, manifest);
    listed["annotations"] = Ordered{{media::kRefNameAnnotation, ref_name}};
    if (entry != nullptr) {
        *entry = listed;
    } else {
        index["manifests"].push_back(listed);
    }
    // The new root index takes the old one's place in one table write: an interrupted signing
    // leaves the old image or the new one, never two root indexes (which Apptainer refuses) or
    // none (which the reference's update can leave, deleting first).
    const std::string root_index = index.dump();
    sif::MemorySource root_source(root_index, "OCI document");
    image.replace(old_root, spec_of(sif::DataType::oci_root_index, root_index), root_source,
                  update);
    // The previous signature manifest and config, now referenced by nothing.
    old_documents.erase(config_digest);
    old_documents.erase(manifest_digest);
    for (const Ordered& layer : kept) {
        old_documents.erase(layer["digest"].get<std::string>());
    }
    for (const std::string& digest : old_documents) {
        if (const sif::Descriptor* object = oci::find_blob(image, digest)) {
            image.remove(object->id, sif::DeleteOptions{.time = time});
        }
    }
    return ref_name;
}

}  // namespace sifkit::oci2sif
