#include "sifkit/oci/cosign_names.hpp"

namespace sifkit::oci {

std::string cosign_signature_tag(std::string_view manifest_digest) {
    std::string tag(manifest_digest);
    if (const auto colon = tag.find(':'); colon != std::string::npos) {
        tag[colon] = '-';
    }
    return tag + ".sig";
}

std::string cosign_signature_ref_name(std::string_view manifest_digest) {
    return std::string(kCosignPlaceholderRepository) + ":" + cosign_signature_tag(manifest_digest);
}

bool is_cosign_ref_name(std::string_view ref_name) {
    return ref_name.starts_with(kCosignPlaceholderRepository);
}

}  // namespace sifkit::oci
