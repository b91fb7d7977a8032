// Reading an image source's documents for `sifkit inspect`: the source is resolved by the same
// code as `convert` (resolve_oci_layout, resolve_docker_archive), then the documents it chose are
// read back from the store as bytes.
#include "sifkit/oci2sif/inspect.hpp"

#include "decompress.hpp"
#include "image_source.hpp"
#include "sha256.hpp"
#include "sifkit/oci/image_layout.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

namespace media = oci::media;
// What skopeo's docker-archive transport calls every layer of the manifest it makes up.
constexpr std::string_view kDockerLayer = media::kDockerLayerGzip;

SourceOptions options_for(std::string_view platform) {
    SourceOptions options;
    if (!platform.empty()) {
        options.platform = Platform::parse(platform);
    }
    return options;
}

// The index.json entry the tag names (or the only one), when it names a single document: that
// document is what the reference names, as skopeo's oci transport reads it.
std::optional<std::string> named_entry(const BlobStore& store, const std::string& tag) {
    const std::string origin = store.describe("index.json");
    const Json index = parse_json_object(store.read_all("index.json", kMaxJsonDocument), origin);
    std::optional<std::string> digest;
    for (const auto& entry : required_array(index, "manifests", origin)) {
        if (!entry.is_object()) {
            continue;
        }
        const auto annotations = string_map(entry, "annotations", origin);
        const auto name = annotations.find(std::string(media::kRefNameAnnotation));
        if (!tag.empty() && (name == annotations.end() || name->second != tag)) {
            continue;
        }
        const std::string d = required_string(entry, "digest", origin);
        if (digest && *digest != d) {
            return std::nullopt;
        }
        digest = d;
    }
    return digest;
}

std::string read_checked(const BlobStore& store, const std::string& digest) {
    const std::string path = oci::layout_blob_path(digest);
    std::string text = store.read_all(path, kMaxJsonDocument);
    if (sha256_digest(text) != digest) {
        throw Error(ErrorKind::invalid_input, "digest mismatch: content is " + sha256_digest(text),
                    store.describe(path));
    }
    return text;
}

std::vector<std::string> platforms_of(const Json& index, const std::string& origin) {
    std::vector<std::string> out;
    for (const auto& entry : required_array(index, "manifests", origin)) {
        if (const Json* p =
                entry.is_object() ? optional_object(entry, "platform", origin) : nullptr) {
            Platform platform;
            platform.os = optional_string(*p, "os", origin).value_or("");
            platform.architecture = optional_string(*p, "architecture", origin).value_or("");
            platform.variant = optional_string(*p, "variant", origin).value_or("");
            out.push_back(platform.to_string());
        }
    }
    return out;
}

SourceDocuments from_layout(const ImageSource& source) {
    const BlobStore& store = *source.store;
    SourceDocuments out;
    out.manifest_digest = source.manifest_digest;
    out.manifest = read_checked(store, source.manifest_digest);
    out.config = store.read_all(source.config_path, kMaxJsonDocument);
    const std::string origin = store.describe(oci::layout_blob_path(source.manifest_digest));
    const Json manifest = parse_json_object(out.manifest, origin);
    for (const auto& item : required_array(manifest, "layers", origin)) {
        LayerDescriptor layer;
        layer.media_type = optional_string(item, "mediaType", origin).value_or("");
        layer.digest = required_string(item, "digest", origin);
        layer.size = optional_size(item, "size", origin);
        layer.annotations = string_map(item, "annotations", origin);
        out.layers.push_back(std::move(layer));
    }
    const auto top = named_entry(store, source.tag);
    if (top && *top != source.manifest_digest) {
        out.raw = read_checked(store, *top);
        out.raw_digest = *top;
        const std::string top_origin = store.describe(oci::layout_blob_path(*top));
        out.platforms = platforms_of(parse_json_object(out.raw, top_origin), top_origin);
    } else {
        out.raw = out.manifest;
        out.raw_digest = out.manifest_digest;
    }
    return out;
}

// A docker archive stores no manifest; skopeo makes up a schema 2 manifest from manifest.json
// (layers named by their diff IDs and sized uncompressed), and its digest is what skopeo
// reports. (skopeo 1.9 sizes a layer whose member is a symbolic link, as in legacy `docker save`
// output, 0; sifkit gives the real size, so there the digests differ.) The same document is
// made here, key order and all, so that --raw and Digest agree with skopeo's.
// A docker archive's layer is served uncompressed (its digest is the diff ID), so its size is
// that of the tar once decompressed: reading a compressed layer through is the only way to know.
std::uint64_t uncompressed_size(const BlobStore& store, const std::string& path) {
    auto stored = store.open(path);
    std::vector<std::byte> head(4);
    head.resize(stored->read(head));
    const LayerCompression compression = detect_compression(head);
    if (compression == LayerCompression::none) {
        return store.size_of(path).value_or(0);
    }
    auto tar = make_decompressor(compression, *stored, std::move(head));
    std::vector<std::byte> buffer(1 << 16);
    std::uint64_t total = 0;
    for (std::size_t n = tar->read(buffer); n > 0; n = tar->read(buffer)) {
        total += n;
    }
    return total;
}

SourceDocuments from_docker_archive(const ImageSource& source) {
    SourceDocuments out;
    out.config = source.store->read_all(source.config_path, kMaxJsonDocument);
    out.named_tag = source.tag;
    nlohmann::ordered_json manifest;
    manifest["schemaVersion"] = 2;
    manifest["mediaType"] = media::kDockerManifest;
    manifest["config"] = {{"mediaType", media::kDockerConfig},
                          {"size", out.config.size()},
                          {"digest", sha256_digest(out.config)}};
    manifest["layers"] = nlohmann::ordered_json::array();
    for (const auto& l : source.layers) {
        LayerDescriptor layer;
        layer.media_type = std::string(kDockerLayer);
        layer.digest = l.diff_id.value_or("");
        layer.size = uncompressed_size(*source.store, l.path);
        manifest["layers"].push_back({{"mediaType", layer.media_type},
                                      {"size", layer.size.value_or(0)},
                                      {"digest", layer.digest}});
        out.layers.push_back(std::move(layer));
    }
    out.manifest = manifest.dump();
    out.manifest_digest = sha256_digest(out.manifest);
    out.raw = out.manifest;
    out.raw_digest = out.manifest_digest;
    return out;
}

}  // namespace

SourceDocuments inspect_source(std::string_view reference, std::string_view platform) {
    const ImageSource source = open_source(reference, options_for(platform));
    switch (source.kind) {
        case ImageSource::Kind::oci_layout:
        case ImageSource::Kind::oci_archive:
            return from_layout(source);
        case ImageSource::Kind::docker_archive:
            return from_docker_archive(source);
        default:
            throw Error(ErrorKind::usage, "a root file system (dir:, tar:) has no image to inspect",
                        std::string(reference));
    }
}

SourceDocuments inspect_store(std::shared_ptr<const BlobStore> store, const std::string& tag,
                              std::string_view platform) {
    return from_layout(open_store(std::move(store), tag, "", "", options_for(platform)));
}

}  // namespace sifkit::oci2sif
