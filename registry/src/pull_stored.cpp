// pull --format oci-sif --with-cosign: an OCI-SIF image pushed to a registry, back into an
// OCI-SIF with its cosign signatures (see pull.hpp).
#include <nlohmann/json.hpp>

#include "sifkit/oci/media_types.hpp"
#include "sifkit/oci2sif/cosign_signature.hpp"
#include "sifkit/oci2sif/oci_sif_index.hpp"
#include "sifkit/registry/client.hpp"
#include "sifkit/registry/cosign.hpp"
#include "sifkit/registry/pull.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/sha256.hpp"

namespace sifkit::registry {
namespace {

// The spare descriptors SingularityCE leaves in an OCI-SIF (room for signatures).
constexpr std::size_t kSpareDescriptors = 8;

struct Blob {
    std::string digest;
    std::uint64_t size = 0;
};

Blob blob_of(const nlohmann::json& descriptor, const std::string& where) {
    if (!descriptor.is_object() || !descriptor.contains("digest") ||
        !descriptor["digest"].is_string() || !descriptor.contains("size") ||
        !descriptor["size"].is_number_unsigned() ||
        !sif::is_sha256_digest(descriptor["digest"].get<std::string>())) {
        throw Error(ErrorKind::invalid_input, "a descriptor without a sha256 digest and a size",
                    where);
    }
    return {descriptor["digest"].get<std::string>(), descriptor["size"].get<std::uint64_t>()};
}

// Streams a blob into a new OCI.Blob object, checking its size and digest on the way.
void copy_blob(Client& client, sif::Image& image, const Blob& blob, std::int64_t time,
               const std::string& where) {
    sif::ObjectSpec spec;
    spec.type = sif::DataType::oci_blob;
    spec.extra = sif::OciDigest{blob.digest};
    spec.time = time;
    sif::ObjectWriter writer = image.begin_object(spec, sif::UpdateOptions{time});
    sif::Sha256 hash;
    bool oversized = false;  // a server sending more than the descriptor says is not followed
    client.fetch_blob(blob.digest, 0, [&](std::span<const std::byte> data) {
        if (oversized || writer.size() + data.size() > blob.size) {
            oversized = true;
            return;
        }
        hash.update(data);
        writer.write(data);
    });
    if (oversized || writer.size() != blob.size || hash.finish() != blob.digest) {
        throw Error(ErrorKind::invalid_input,
                    "blob " + blob.digest + " does not match its size or digest", where);
    }
    writer.commit();
}

void add_document(sif::Image& image, sif::DataType type, const std::string& text,
                  std::int64_t time) {
    sif::ObjectSpec spec;
    spec.type = type;
    spec.extra = sif::OciDigest{sif::sha256_digest(text)};
    spec.time = time;
    sif::MemorySource source(text, "OCI document");
    image.add(spec, source, sif::UpdateOptions{time});
}

}  // namespace

StoredPullResult pull_oci_sif_as_stored(const PullOptions& options) {
    StoredPullResult result;
    result.reference = Reference::parse(options.reference);
    const Reference& ref = result.reference;
    if (ref.transport != Transport::docker) {
        throw Error(ErrorKind::usage, "--with-cosign pulls docker:// images", options.reference);
    }
    const std::string where = ref.to_string();
    Client client(ref.registry, ref.repository, options.client);
    const ManifestDocument manifest = client.get_manifest(ref.manifest_reference());
    const auto document = nlohmann::json::parse(manifest.body, nullptr, false);
    if (!document.is_object() || !document.contains("layers") || !document["layers"].is_array() ||
        !document.contains("config")) {
        throw Error(ErrorKind::unsupported,
                    "--with-cosign copies an image manifest as it is; this reference names " +
                        (manifest.media_type.empty() ? std::string("another document")
                                                     : manifest.media_type) +
                        " (name the image manifest by digest)",
                    where);
    }
    std::vector<Blob> layers;
    for (const auto& layer : document["layers"]) {
        if (!layer.is_object() ||
            layer.value("mediaType", std::string()) != oci::media::kSquashfsLayer) {
            throw Error(ErrorKind::unsupported,
                        "--with-cosign needs an image whose layers are squashfs (pushed from an "
                        "OCI-SIF): converting its layers would change the manifest digest its "
                        "signatures name",
                        where);
        }
        layers.push_back(blob_of(layer, where));
    }
    const Blob config = blob_of(document["config"], where);
    result.manifest_digest = manifest.digest;
    if (!ref.digest.empty() && ref.digest != manifest.digest) {
        throw Error(ErrorKind::invalid_input,
                    "the registry served " + manifest.digest + " for " + ref.digest, where);
    }
    // The signatures of exactly this manifest (a tag moved meanwhile would name another).
    Reference pinned = ref;
    pinned.digest = manifest.digest;
    const CosignLookup lookup = fetch_cosign_signatures(pinned, options.client);

    const std::int64_t time = options.convert.time.value_or(sif::kUnsetTime);
    sif::AtomicFile output(options.convert.output,
                           options.convert.overwrite ? sif::AtomicFile::Overwrite::replace
                                                     : sif::AtomicFile::Overwrite::refuse,
                           0755);
    sif::CreateOptions create;
    create.id = sif::Uuid{};
    create.time = time;
    create.descriptor_capacity = static_cast<std::int64_t>(layers.size() + 3 + kSpareDescriptors);
    sif::Image image = sif::Image::create(output.storage(), create);
    for (const Blob& layer : layers) {
        copy_blob(client, image, layer, time, where);
    }
    copy_blob(client, image, config, time, where);
    add_document(image, sif::DataType::oci_blob, manifest.body, time);
    add_document(image, sif::DataType::oci_root_index,
                 oci2sif::oci_sif_root_index(std::string(oci::media::kOciManifest), manifest.digest,
                                             manifest.body.size()),
                 time);
    if (!lookup.signatures.empty()) {
        std::vector<oci2sif::CosignLayer> signatures;
        for (const auto& signature : lookup.signatures) {
            signatures.push_back({signature.payload, signature.signature});
        }
        oci2sif::append_cosign_signatures(image, manifest.digest, signatures, time);
    }
    result.signatures = lookup.signatures.size();
    image.sync();
    result.sif_bytes = image.file_size();
    output.commit();
    return result;
}

}  // namespace sifkit::registry
