#include <nlohmann/json.hpp>

#include "sifkit/registry/cosign.hpp"
#include "sifkit/registry/media_types.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/sha256.hpp"

namespace sifkit::registry {
namespace {

constexpr std::string_view kSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json";
constexpr std::string_view kSignatureAnnotation = "dev.cosignproject.cosign/signature";
constexpr std::uint64_t kMaxPayload = 1 << 20;

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

}  // namespace

CosignLookup fetch_cosign_signatures(const Reference& ref, const ClientOptions& options) {
    Client client(ref.registry, ref.repository, options);
    CosignLookup lookup;
    lookup.digest = client.get_manifest(ref.manifest_reference()).digest;
    lookup.signature_tag = "sha256-" + lookup.digest.substr(7) + ".sig";
    ManifestDocument signatures;
    try {
        signatures = client.get_manifest(lookup.signature_tag, kMaxPayload);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::not_found) {
            return lookup;  // not signed
        }
        throw;
    }
    const auto json = nlohmann::json::parse(signatures.body, nullptr, false);
    if (!json.is_object() || !json.contains("layers") || !json["layers"].is_array()) {
        throw Error(ErrorKind::invalid_input,
                    "the cosign signature manifest " + lookup.signature_tag + " has no layers",
                    client.name());
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
    return lookup;
}

}  // namespace sifkit::registry
