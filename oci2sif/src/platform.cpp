#include "platform.hpp"

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/types.hpp"

namespace sifkit::oci2sif {
namespace {

// The variant an image without one is assumed to have (image-spec: arm64 defaults to v8).
std::string default_variant(std::string_view architecture) {
    if (architecture == "arm64") {
        return "v8";
    }
    if (architecture == "arm") {
        return "v7";
    }
    return "";
}

}  // namespace

Platform Platform::host() {
    Platform platform;
    platform.os = "linux";
    platform.architecture = std::string(sif::Arch::host().go_name());
    platform.variant = default_variant(platform.architecture);
    return platform;
}

Platform Platform::parse(std::string_view text) {
    Platform platform;
    const auto first = text.find('/');
    if (first == std::string_view::npos || first == 0) {
        throw Error(ErrorKind::usage,
                    "platform \"" + std::string(text) + "\" is not of the form os/arch[/variant]");
    }
    platform.os = std::string(text.substr(0, first));
    const auto rest = text.substr(first + 1);
    const auto second = rest.find('/');
    platform.architecture = std::string(rest.substr(0, second));
    if (second != std::string_view::npos) {
        platform.variant = std::string(rest.substr(second + 1));
    }
    if (platform.architecture.empty() || platform.architecture.find('/') != std::string::npos ||
        platform.variant.find('/') != std::string::npos) {
        throw Error(ErrorKind::usage,
                    "platform \"" + std::string(text) + "\" is not of the form os/arch[/variant]");
    }
    return platform;
}

bool Platform::accepts(const Platform& candidate) const {
    if (candidate.os != os || candidate.architecture != architecture) {
        return false;
    }
    const std::string wanted = variant.empty() ? default_variant(architecture) : variant;
    const std::string offered =
        candidate.variant.empty() ? default_variant(candidate.architecture) : candidate.variant;
    return wanted.empty() || offered.empty() || wanted == offered;
}

std::string Platform::to_string() const {
    return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

}  // namespace sifkit::oci2sif
