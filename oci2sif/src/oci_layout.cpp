// Resolving an OCI image layout (image-spec image-layout.md): index.json, possibly nested image
// indexes, one manifest chosen by tag or platform, its config and layers. Every blob read is
// checked against its descriptor's digest and size before it is believed.
#include <algorithm>

#include "image_source.hpp"
#include "sha256.hpp"
#include "sifkit/oci/image_layout.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

namespace media = oci::media;
constexpr int kMaxIndexDepth = 8;

struct Descriptor {
    std::string media_type;
    std::string digest;
    std::uint64_t size = 0;
    std::optional<Platform> platform;
    std::map<std::string, std::string> annotations;
};

Descriptor parse_descriptor(const Json& value, const std::string& origin) {
    if (!value.is_object()) {
        throw Error(ErrorKind::invalid_input, "descriptor is not an object", origin);
    }
    Descriptor d;
    d.media_type = optional_string(value, "mediaType", origin).value_or("");
    d.digest = required_string(value, "digest", origin);
    const auto size = optional_size(value, "size", origin);
    if (!size) {
        throw Error(ErrorKind::invalid_input, "descriptor of " + d.digest + " has no size", origin);
    }
    d.size = *size;
    if (!is_sha256_digest(d.digest)) {
        throw Error(
            ErrorKind::unsupported,
            "digest \"" + d.digest + "\" is not a sha256 digest (the only algorithm supported)",
            origin);
    }
    if (const Json* platform = optional_object(value, "platform", origin)) {
        Platform p;
        p.os = optional_string(*platform, "os", origin).value_or("");
        p.architecture = optional_string(*platform, "architecture", origin).value_or("");
        p.variant = optional_string(*platform, "variant", origin).value_or("");
        d.platform = p;
    }
    d.annotations = string_map(value, "annotations", origin);
    return d;
}

// Reads a small blob and checks it against its descriptor.
std::string read_blob(const BlobStore& store, const Descriptor& d) {
    const std::string path = oci::layout_blob_path(d.digest);
    if (!store.contains(path)) {
        throw Error(ErrorKind::invalid_input, "blob " + d.digest + " is missing",
                    store.describe(path));
    }
    if (d.size > kMaxJsonDocument) {
        throw Error(ErrorKind::invalid_input,
                    "document of " + std::to_string(d.size) + " bytes is too large",
                    store.describe(path));
    }
    std::string text = store.read_all(path, kMaxJsonDocument);
    if (text.size() != d.size) {
        throw Error(ErrorKind::invalid_input,
                    "blob is " + std::to_string(text.size()) + " bytes, its descriptor says " +
                        std::to_string(d.size),
                    store.describe(path));
    }
    const std::string actual = sha256_digest(text);
    if (actual != d.digest) {
        throw Error(ErrorKind::invalid_input,
                    "digest mismatch: content is " + actual + ", descriptor says " + d.digest,
                    store.describe(path));
    }
    return text;
}

bool is_index(const Descriptor& d) {
    return media::is_image_index(d.media_type);
}

std::vector<Descriptor> manifests_of(const Json& index, const std::string& origin) {
    std::vector<Descriptor> out;
    for (const auto& item : required_array(index, "manifests", origin)) {
        out.push_back(parse_descriptor(item, origin));
    }
    return out;
}

std::string describe_platforms(const std::vector<Descriptor>& candidates) {
    std::string text;
    for (const auto& d : candidates) {
        text += text.empty() ? "" : ", ";
        text += d.platform ? d.platform->to_string() : d.digest.substr(0, 19);
    }
    return text;
}

// Picks the manifest to convert from an index's entries (already filtered by tag when one was
// given): the only entry, or the only one whose platform this machine (or --platform) accepts.
// Nested indexes are followed.
Descriptor choose_manifest(const BlobStore& store, std::vector<Descriptor> candidates,
                           const Platform& wanted, bool platform_given, const std::string& origin,
                           int depth) {
    if (depth > kMaxIndexDepth) {
        throw Error(ErrorKind::invalid_input, "image indexes nested too deeply", origin);
    }
    if (candidates.empty()) {
        throw Error(ErrorKind::not_found, "the index lists no manifest", origin);
    }
    // Several tags for one manifest are one image.
    std::sort(candidates.begin(), candidates.end(),
              [](const Descriptor& a, const Descriptor& b) { return a.digest < b.digest; });
    candidates.erase(
        std::unique(candidates.begin(), candidates.end(),
                    [](const Descriptor& a, const Descriptor& b) { return a.digest == b.digest; }),
        candidates.end());
    std::vector<Descriptor> matching;
    for (const auto& d : candidates) {
        if (!d.platform || wanted.accepts(*d.platform)) {
            matching.push_back(d);
        }
    }
    // A lone entry without platform information is taken as it is; with several, entries that
    // state a matching platform beat those that state none (attestations, unknown/unknown).
    if (matching.size() > 1) {
        std::vector<Descriptor> stated;
        std::copy_if(matching.begin(), matching.end(), std::back_inserter(stated),
                     [](const Descriptor& d) { return d.platform.has_value(); });
        if (!stated.empty()) {
            matching = std::move(stated);
        }
    }
    if (matching.empty()) {
        throw Error(ErrorKind::not_found,
                    "no manifest for platform " + wanted.to_string() + " (the index has " +
                        describe_platforms(candidates) + "; choose one with --platform)",
                    origin);
    }
    if (matching.size() > 1) {
        throw Error(ErrorKind::conflict,
                    std::to_string(matching.size()) + " manifests match platform " +
                        wanted.to_string() + (platform_given ? "" : " (this machine's)") +
                        "; name one by tag",
                    origin);
    }
    Descriptor chosen = matching.front();
    if (is_index(chosen)) {
        const std::string nested_origin = store.describe(oci::layout_blob_path(chosen.digest));
        const Json nested = parse_json_object(read_blob(store, chosen), nested_origin);
        return choose_manifest(store, manifests_of(nested, nested_origin), wanted, platform_given,
                               nested_origin, depth + 1);
    }
    return chosen;
}

}  // namespace

void resolve_oci_layout(ImageSource& source, const SourceOptions& options) {
    const BlobStore& store = *source.store;
    const std::string index_origin = store.describe("index.json");
    if (!store.contains("index.json")) {
        throw Error(ErrorKind::invalid_input, "not an OCI image layout (no index.json)",
                    store.name());
    }
    const Json index =
        parse_json_object(store.read_all("index.json", kMaxJsonDocument), index_origin);
    std::vector<Descriptor> entries = manifests_of(index, index_origin);
    if (!source.tag.empty()) {
        std::vector<Descriptor> tagged;
        for (const auto& d : entries) {
            const auto it = d.annotations.find(std::string(media::kRefNameAnnotation));
            if (it != d.annotations.end() && it->second == source.tag) {
                tagged.push_back(d);
            }
        }
        if (tagged.empty()) {
            throw Error(ErrorKind::not_found, "no image tagged \"" + source.tag + "\"",
                        index_origin);
        }
        entries = std::move(tagged);
    }
    const Platform wanted = options.platform.value_or(Platform::host());
    const Descriptor manifest_descriptor =
        choose_manifest(store, entries, wanted, options.platform.has_value(), index_origin, 0);
    if (!manifest_descriptor.media_type.empty() &&
        !media::is_image_manifest(manifest_descriptor.media_type)) {
        throw Error(ErrorKind::unsupported,
                    "manifest media type \"" + manifest_descriptor.media_type +
                        "\" is not an image manifest",
                    index_origin);
    }
    const std::string manifest_origin =
        store.describe(oci::layout_blob_path(manifest_descriptor.digest));
    const Json manifest = parse_json_object(read_blob(store, manifest_descriptor), manifest_origin);
    source.manifest_digest = manifest_descriptor.digest;

    const Json* config_json = optional_object(manifest, "config", manifest_origin);
    if (config_json == nullptr) {
        throw Error(ErrorKind::invalid_input, "manifest has no config", manifest_origin);
    }
    const Descriptor config_descriptor = parse_descriptor(*config_json, manifest_origin);
    if (config_descriptor.media_type != media::kOciConfig &&
        config_descriptor.media_type != media::kDockerConfig) {
        throw Error(
            ErrorKind::unsupported,
            "not a container image: config media type \"" + config_descriptor.media_type + "\"",
            manifest_origin);
    }
    source.config_path = oci::layout_blob_path(config_descriptor.digest);
    const std::string config_origin = store.describe(source.config_path);
    source.config = ImageConfig::parse(read_blob(store, config_descriptor), config_origin);

    for (const auto& item : required_array(manifest, "layers", manifest_origin)) {
        const Descriptor d = parse_descriptor(item, manifest_origin);
        if (!media::is_tar_layer(d.media_type)) {
            throw Error(ErrorKind::unsupported,
                        "layer " + d.digest + " has media type \"" + d.media_type +
                            "\" (supported: tar, tar+gzip, tar+zstd)",
                        manifest_origin);
        }
        // A missing or mis-sized blob is found now, before anything is written.
        const auto stored = store.size_of(oci::layout_blob_path(d.digest));
        if (!stored) {
            throw Error(ErrorKind::invalid_input, "layer blob " + d.digest + " is missing",
                        store.describe(oci::layout_blob_path(d.digest)));
        }
        if (*stored != d.size) {
            throw Error(ErrorKind::invalid_input,
                        "size mismatch: layer blob is " + std::to_string(*stored) +
                            " bytes, the manifest says " + std::to_string(d.size),
                        store.describe(oci::layout_blob_path(d.digest)));
        }
        LayerRef layer;
        layer.path = oci::layout_blob_path(d.digest);
        layer.media_type = d.media_type;
        layer.digest = d.digest;
        layer.size = d.size;
        source.layers.push_back(std::move(layer));
    }
    if (source.config.diff_ids.size() != source.layers.size()) {
        throw Error(ErrorKind::invalid_input,
                    "config lists " + std::to_string(source.config.diff_ids.size()) +
                        " diff_ids but the manifest has " + std::to_string(source.layers.size()) +
                        " layers",
                    config_origin);
    }
    for (std::size_t i = 0; i < source.layers.size(); ++i) {
        source.layers[i].diff_id = source.config.diff_ids[i];
    }
    if (options.platform) {
        const Platform actual{source.config.os, source.config.architecture, source.config.variant};
        if (!options.platform->accepts(actual)) {
            throw Error(
                ErrorKind::not_found,
                "the image is for " + actual.to_string() + ", not " + options.platform->to_string(),
                config_origin);
        }
    }
}

}  // namespace sifkit::oci2sif
