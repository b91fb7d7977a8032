#include <nlohmann/json.hpp>

#include "sifkit/oci/cosign_names.hpp"
#include "sifkit/oci/media_types.hpp"
#include "sifkit/registry/cosign.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/sha256.hpp"

namespace sifkit::registry {
namespace {

constexpr std::string_view kSimpleSigning = oci::media::kCosignSimpleSigning;
constexpr std::string_view kSignatureAnnotation = oci::media::kCosignSignatureAnnotation;
constexpr std::uint64_t kMaxPayload = 1 << 20;
// The artifact type of cosign's signature manifests in OCI 1.1 mode.
constexpr std::string_view kSignatureArtifact = oci::media::kCosignSignatureArtifact;
// Signature manifests read through the referrers API: each costs a request, and a signer needs
// one; a registry listing thousands is hostile.
constexpr std::size_t kMaxSignatureManifests = 64;

std::string fetch_small_blob(Client& client, const std::string& digest, std::uint64_t size) {
    if (size > kMaxPayload) {
        throw Error(ErrorKind::invalid_input,
                    "a cosign payload of " + std::to_string(size) + " bytes (more than 1 MiB)",
                    client.name());
    }
    std::string bytes;
    client.fetch_blob(digest, 0, [&](std::span<const std::byte> chunk) {
        if (bytes.size() + chunk.size() > kMaxPayload) {
            throw Error(ErrorKind::invalid_input, "a cosign payload larger than 1 MiB",
                        client.name());
        }
        bytes.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    });
    if (sif::sha256_digest(bytes) != digest) {
        throw Error(ErrorKind::invalid_input,
                    "cosign payload " + digest + " does not match its digest", client.name());
    }
    return bytes;
}

// The signature layers of one cosign signature manifest, appended to `lookup`.
void add_signatures(Client& client, const std::string& body, const std::string& name,
                    CosignLookup& lookup) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_object() || !json.contains("layers") || !json["layers"].is_array()) {
        throw Error(ErrorKind::invalid_input,
                    "the cosign signature manifest " + name + " has no layers", client.name());
    }
    for (const auto& layer : json["layers"]) {
        if (!layer.is_object() || layer.value("mediaType", std::string()) != kSimpleSigning) {
            continue;  // attestations and other artefacts share the scheme
        }
        const std::string digest = layer.value("digest", std::string());
        const auto annotations = layer.find("annotations");
        if (annotations == layer.end() || !annotations->is_object() ||
            !sif::is_sha256_digest(digest) || !layer.contains("size") ||
            !layer["size"].is_number_unsigned()) {
            continue;  // not a signature layer we can read
        }
        const auto signature = annotations->find(std::string(kSignatureAnnotation));
        if (signature == annotations->end() || !signature->is_string()) {
            continue;
        }
        lookup.signatures.push_back(
            {fetch_small_blob(client, digest, layer.value("size", std::uint64_t{0})),
             annotations->value(std::string(kSignatureAnnotation), std::string())});
    }
}

}  // namespace

CosignLookup fetch_cosign_signatures(const Reference& ref, const ClientOptions& options) {
    Client client(ref.registry, ref.repository, options);
    CosignLookup lookup;
    lookup.digest = client.get_manifest(ref.manifest_reference()).digest;
    lookup.signature_tag = oci::cosign_signature_tag(lookup.digest);
    // OCI 1.1 referrers first (cosign --registry-referrers-mode=oci-1-1 stores one manifest per
    // signature there, with the image as its subject), then the tag scheme, which older cosign
    // and SingularityCE 4.3 write and which registries without the API only have.
    if (const auto referrers =
            client.get_referrers(lookup.digest, std::string(kSignatureArtifact))) {
        const auto index = nlohmann::json::parse(*referrers, nullptr, false);
        if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) {
            throw Error(ErrorKind::invalid_input,
                        "the referrers of " + lookup.digest + " are not an image index",
                        client.name());
        }
        std::size_t read = 0;
        for (const auto& entry : index["manifests"]) {
            if (!entry.is_object() ||
                entry.value("artifactType", std::string()) != kSignatureArtifact ||
                !sif::is_sha256_digest(entry.value("digest", std::string()))) {
                continue;  // registries may ignore the filter: other artifacts are not ours
            }
            if (++read > kMaxSignatureManifests) {
                throw Error(ErrorKind::invalid_input,
                            "more than " + std::to_string(kMaxSignatureManifests) +
                                " cosign signature manifests refer to " + lookup.digest,
                            client.name());
            }
            const std::string digest = entry["digest"].get<std::string>();
            add_signatures(client, client.get_manifest(digest, kMaxPayload).body, digest, lookup);
        }
    }
    ManifestDocument signatures;
    try {
        signatures = client.get_manifest(lookup.signature_tag, kMaxPayload);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::not_found) {
            return lookup;  // no signature under the tag
        }
        throw;
    }
    add_signatures(client, signatures.body, lookup.signature_tag, lookup);
    return lookup;
}

}  // namespace sifkit::registry
