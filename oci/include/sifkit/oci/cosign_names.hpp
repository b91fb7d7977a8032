// Where cosign keeps the signatures of an image: names derived from the image's manifest digest.
// A registry has them under the tag "sha256-<hex>.sig" (cosign's tag scheme); an OCI-SIF lists
// the signature manifest in its root index with the ref.name "_cosign:sha256-<hex>.sig"
// (SingularityCE's oci-tools CosignRef: a placeholder repository, then that tag).
#pragma once

#include <string>
#include <string_view>

namespace sifkit::oci {

// The placeholder repository of cosign manifests in an OCI-SIF root index. SingularityCE's own
// reader skips every manifest whose ref.name starts with it (signatures and attestations).
inline constexpr std::string_view kCosignPlaceholderRepository = "_cosign";

// "sha256:<hex>" -> "sha256-<hex>.sig".
std::string cosign_signature_tag(std::string_view manifest_digest);

// "sha256:<hex>" -> "_cosign:sha256-<hex>.sig".
std::string cosign_signature_ref_name(std::string_view manifest_digest);

// Whether a root-index ref.name names one of cosign's manifests (".sig", ".att", ...).
bool is_cosign_ref_name(std::string_view ref_name);

}  // namespace sifkit::oci
