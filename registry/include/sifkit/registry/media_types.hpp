// Media types of the documents and blobs sifkit moves through registries.
#pragma once

#include <string_view>

namespace sifkit::registry::media {

inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";

// SIF files as ORAS artifacts, as Apptainer and SingularityCE push them: an image manifest
// whose config is the empty JSON object "{}" of this type, and whose only layer is the SIF
// file, titled with its file name.
inline constexpr std::string_view kSifConfig = "application/vnd.sylabs.sif.config.v1+json";
inline constexpr std::string_view kSifLayer = "application/vnd.sylabs.sif.layer.v1.sif";
// The layer type of Singularity before 3.7 (with its typo), still accepted on pull.
inline constexpr std::string_view kSifLayerPrototype = "appliciation/vnd.sylabs.sif.layer.tar";
inline constexpr std::string_view kTitleAnnotation = "org.opencontainers.image.title";
inline constexpr std::string_view kCreatedAnnotation = "org.opencontainers.image.created";
inline constexpr std::string_view kEmptyConfig = "{}";
inline constexpr std::string_view kEmptyConfigDigest =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

}  // namespace sifkit::registry::media
