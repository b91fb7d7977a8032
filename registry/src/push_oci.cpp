// `sifkit push --format oci`: an OCI image layout (one image) to a docker:// reference, blob by
// blob, then its manifest under the tag. The CLI makes the layout from a SIF image with
// sifkit::rootfs's OCI export; any single-image layout works.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sifkit/oci/image_layout.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/registry/push.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/sha256.hpp"
#include "sifkit/sif/unique_fd.hpp"

namespace sifkit::registry {
namespace {

// index.json and manifests are small; anything larger is not a layout sifkit wrote.
constexpr std::uintmax_t kDocumentLimit = 4 << 20;

struct Blob {
    std::string digest;
    std::uint64_t size = 0;
};

std::string read_document(const std::filesystem::path& path) {
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) {
        throw Error(ErrorKind::io, "cannot read: " + ec.message(), path.string());
    }
    if (size > kDocumentLimit) {
        throw Error(ErrorKind::invalid_input, "larger than 4 MiB, not an OCI document",
                    path.string());
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
        throw Error(ErrorKind::io, "cannot read", path.string());
    }
    return text.str();
}

nlohmann::json parse_document(const std::string& text, const std::filesystem::path& path) {
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        throw Error(ErrorKind::invalid_input, "not a JSON object", path.string());
    }
    return doc;
}

// A descriptor's digest and size, refusing digests that are not sha256 (they name files under
// blobs/sha256/, so nothing else may reach the path).
Blob descriptor(const nlohmann::json& value, const std::filesystem::path& where) {
    if (!value.is_object() || !value.contains("digest") || !value["digest"].is_string() ||
        !value.contains("size") || !value["size"].is_number_unsigned()) {
        throw Error(ErrorKind::invalid_input, "a descriptor without digest and size",
                    where.string());
    }
    Blob blob{value["digest"].get<std::string>(), value["size"].get<std::uint64_t>()};
    if (!sif::is_sha256_digest(blob.digest)) {
        throw Error(ErrorKind::unsupported, "a digest that is not sha256: " + blob.digest,
                    where.string());
    }
    return blob;
}

std::filesystem::path blob_path(const std::filesystem::path& layout, const Blob& blob) {
    return layout / oci::layout_blob_path(blob.digest);
}

// `path` opened for reading, or an io Error naming it.
sif::UniqueFd open_for_reading(const std::filesystem::path& path) {
    sif::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        throw_errno("cannot open", path.string());
    }
    return fd;
}

}  // namespace

Reference oci_push_reference(std::string_view text) {
    const Reference ref = Reference::parse(text);
    if (ref.transport != Transport::docker) {
        throw Error(ErrorKind::usage, "an OCI image goes to a docker:// reference",
                    std::string(text));
    }
    if (!ref.digest.empty()) {
        throw Error(ErrorKind::usage, "push to a tag, not to a digest", std::string(text));
    }
    return ref;
}

PushResult push_oci_layout(const std::filesystem::path& layout, const PushOptions& options) {
    const Reference ref = oci_push_reference(options.reference);
    const std::filesystem::path index_path = layout / "index.json";
    const nlohmann::json index = parse_document(read_document(index_path), index_path);
    if (!index.contains("manifests") || !index["manifests"].is_array() ||
        index["manifests"].size() != 1) {
        throw Error(ErrorKind::invalid_input, "the layout must hold exactly one image",
                    index_path.string());
    }
    const nlohmann::json& entry = index["manifests"][0];
    const Blob manifest_blob = descriptor(entry, index_path);
    const std::string media_type = entry.value("mediaType", std::string(oci::media::kOciManifest));
    if (!oci::media::is_image_manifest(media_type)) {
        throw Error(ErrorKind::unsupported, "the layout's image is not a manifest: " + media_type,
                    index_path.string());
    }
    const std::filesystem::path manifest_path = blob_path(layout, manifest_blob);
    const std::string manifest_text = read_document(manifest_path);
    if (sif::sha256_digest(manifest_text) != manifest_blob.digest) {
        throw Error(ErrorKind::invalid_input, "digest mismatch: the index names another manifest",
                    manifest_path.string());
    }
    const nlohmann::json manifest = parse_document(manifest_text, manifest_path);
    if (!manifest.contains("layers") || !manifest["layers"].is_array()) {
        throw Error(ErrorKind::invalid_input, "a manifest without layers", manifest_path.string());
    }
    std::vector<Blob> blobs{descriptor(manifest.value("config", nlohmann::json()), manifest_path)};
    for (const auto& layer : manifest["layers"]) {
        blobs.push_back(descriptor(layer, manifest_path));
    }

    PushResult result;
    result.reference = ref;
    std::uint64_t largest_layer = 0;
    Client client(ref.registry, ref.repository, options.client, true);
    for (const Blob& blob : blobs) {
        const std::filesystem::path path = blob_path(layout, blob);
        const sif::UniqueFd fd = open_for_reading(path);
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) {
            throw_errno("cannot stat", path.string());
        }
        if (static_cast<std::uint64_t>(st.st_size) != blob.size) {
            throw Error(ErrorKind::invalid_input,
                        "size mismatch: " + std::to_string(st.st_size) +
                            " bytes, the manifest says " + std::to_string(blob.size),
                        path.string());
        }
        // The registry checks each upload against its digest (distribution-spec), so a blob
        // changed on disk is refused there rather than hashed twice here.
        const UploadOutcome outcome = client.push_blob(blob.digest, fd.get(), blob.size,
                                                       options.mount_from, options.chunk_size);
        result.size += blob.size;
        if (&blob != &blobs.front() && blob.size >= largest_layer) {
            largest_layer = blob.size;
            result.blob_digest = blob.digest;
            result.outcome = outcome;
        }
    }
    result.blobs = blobs.size();
    result.manifest_digest = client.put_manifest(ref.tag, media_type, manifest_text);
    result.http = client.stats();
    return result;
}

}  // namespace sifkit::registry
