// Resolving a docker-archive (`docker save` / `podman save` / skopeo): manifest.json lists, per
// image, its config file, its RepoTags and its layer files. Legacy archives keep layers as
// "<id>/layer.tar" (often symlinks to "<diffid>.tar"); newer Docker writes an OCI layout inside
// the archive and points manifest.json at "blobs/sha256/<hex>". Both read the same way here.
#include "image_source.hpp"
#include "sha256.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/text.hpp"

namespace sifkit::oci2sif {
namespace {

// "docker.io/library/debian:12" and "debian:12" name the same image.
std::string short_name(std::string name) {
    for (const std::string_view prefix : {"docker.io/library/", "docker.io/", "index.docker.io/"}) {
        if (name.compare(0, prefix.size(), prefix) == 0) {
            name.erase(0, prefix.size());
            break;
        }
    }
    if (name.compare(0, 8, "library/") == 0) {
        name.erase(0, 8);
    }
    return name;
}

bool names_match(const std::string& wanted, const std::string& tag) {
    return wanted == tag || short_name(wanted) == short_name(tag);
}

}  // namespace

void resolve_docker_archive(ImageSource& source) {
    const BlobStore& store = *source.store;
    const std::string origin = store.describe("manifest.json");
    if (!store.contains("manifest.json")) {
        throw Error(ErrorKind::invalid_input, "not a docker archive (no manifest.json)",
                    store.name());
    }
    const std::string text = store.read_all("manifest.json", kMaxJsonDocument);
    const Json list = Json::parse(text, nullptr, false);
    if (list.is_discarded() || !list.is_array()) {
        throw Error(ErrorKind::invalid_input, "not a JSON array", origin);
    }
    if (list.empty()) {
        throw Error(ErrorKind::invalid_input, "lists no image", origin);
    }
    const Json* chosen = nullptr;
    std::vector<std::string> all_tags;
    for (const auto& entry : list) {
        if (!entry.is_object()) {
            throw Error(ErrorKind::invalid_input, "entry is not an object", origin);
        }
        const auto tags =
            optional_strings(entry, "RepoTags", origin).value_or(std::vector<std::string>{});
        all_tags.insert(all_tags.end(), tags.begin(), tags.end());
        if (!source.tag.empty()) {
            for (const auto& tag : tags) {
                if (names_match(source.tag, tag)) {
                    chosen = &entry;
                }
            }
        }
    }
    if (source.tag.empty()) {
        if (list.size() > 1) {
            const std::string names = sif::join(all_tags);
            throw Error(ErrorKind::conflict,
                        "the archive holds " + std::to_string(list.size()) +
                            " images; name one as docker-archive:FILE:REPO:TAG (" + names + ")",
                        origin);
        }
        chosen = &list.front();
    }
    if (chosen == nullptr) {
        throw Error(ErrorKind::not_found, "no image tagged \"" + source.tag + "\"", origin);
    }
    const std::string config_path = required_string(*chosen, "Config", origin);
    source.config_path = config_path;
    const std::string config_origin = store.describe(config_path);
    const std::string config_text = store.read_all(config_path, kMaxJsonDocument);
    // Legacy archives name the config "<sha256 of it>.json": check it when the name says so.
    const auto slash = config_path.rfind('/');
    const std::string base = config_path.substr(slash == std::string::npos ? 0 : slash + 1);
    const std::string stem =
        base.size() > 5 && base.ends_with(".json") ? base.substr(0, base.size() - 5) : base;
    const std::string claimed = "sha256:" + stem;
    if (is_sha256_digest(claimed) && sha256_digest(config_text) != claimed) {
        throw Error(ErrorKind::invalid_input,
                    "digest mismatch: content is " + sha256_digest(config_text), config_origin);
    }
    source.config = ImageConfig::parse(config_text, config_origin);

    const auto layers = optional_strings(*chosen, "Layers", origin);
    if (!layers) {
        throw Error(ErrorKind::invalid_input, "image entry has no Layers", origin);
    }
    if (layers->size() != source.config.diff_ids.size()) {
        throw Error(ErrorKind::invalid_input,
                    "manifest.json lists " + std::to_string(layers->size()) +
                        " layers but the config has " +
                        std::to_string(source.config.diff_ids.size()) + " diff_ids",
                    origin);
    }
    for (std::size_t i = 0; i < layers->size(); ++i) {
        LayerRef layer;
        layer.path = (*layers)[i];
        layer.diff_id = source.config.diff_ids[i];
        const auto size = store.size_of(layer.path);
        if (!size) {
            throw Error(ErrorKind::invalid_input, "layer file is missing",
                        store.describe(layer.path));
        }
        layer.size = size;
        // OCI-style members are addressed by the digest of the (possibly compressed) blob.
        if (layer.path.compare(0, 13, "blobs/sha256/") == 0 &&
            is_sha256_digest("sha256:" + layer.path.substr(13))) {
            layer.digest = "sha256:" + layer.path.substr(13);
        }
        source.layers.push_back(std::move(layer));
    }
}

}  // namespace sifkit::oci2sif
