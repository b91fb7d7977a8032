// `sifkit inspect docker://...`: an image's manifest, index and config from its registry, chosen
// as `pull` chooses them, without downloading a layer. `sifkit inspect oras://...`: a SIF
// artifact's manifest, and with `sif` the SIF's global header and descriptor table, read with two
// ranged requests (not the whole file).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sifkit/oci2sif/inspect.hpp"
#include "sifkit/registry/client.hpp"
#include "sifkit/registry/reference.hpp"

namespace sifkit::registry {

struct RemoteImage {
    std::string name;               // "REGISTRY/REPOSITORY", as skopeo's Name
    std::vector<std::string> tags;  // the repository's tags, when asked for
    oci2sif::SourceDocuments documents;
};

// `platform` as for oci2sif::inspect_source; `list_tags`: also read the repository's tag list.
RemoteImage inspect_image(const Reference& reference, const ClientOptions& options,
                          std::string_view platform, bool list_tags);

// The manifest or index `reference` names, as served (--raw): nothing is resolved, so an index
// without an image for this machine is shown too, as skopeo shows it.
ManifestDocument raw_manifest(const Reference& reference, const ClientOptions& options);

struct RemoteArtifact {
    std::string name;                                // "REGISTRY/REPOSITORY"
    ManifestDocument manifest;                       // as served (digest: sha256 of the bytes)
    std::string media_type;                          // the manifest's mediaType
    std::string artifact_type;                       // artifactType, else the config's media type
    std::map<std::string, std::string> annotations;  // the manifest's
    std::vector<oci2sif::LayerDescriptor> layers;
    // With `sif`: the SIF layer's size, its first kHeaderSize bytes and its descriptor table.
    std::uint64_t sif_size = 0;
    std::string sif_header;
    std::string sif_descriptors;
    std::uint64_t sif_descriptors_offset = 0;
};

// An oras:// reference: a manifest whose layer is a SIF (kSifLayer); an unsupported Error for
// another artifact, or a container image.
RemoteArtifact inspect_artifact(const Reference& reference, const ClientOptions& options, bool sif);

}  // namespace sifkit::registry
