// `sifkit inspect docker://...`: an image's manifest, index and config from its registry, chosen
// as `pull` chooses them, without downloading a layer.
#pragma once

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

}  // namespace sifkit::registry
