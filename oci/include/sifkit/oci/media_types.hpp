// The OCI image-spec vocabulary sifkit reads and writes: media types of documents and layers,
// annotation keys. One home for the words the OCI layout reader and OCI-SIF writer (oci2sif),
// the OCI-SIF reader and exporter (rootfs) and the registry client (registry) all use, so that
// a type spelt once cannot be spelt two ways.
#pragma once

#include <string_view>

namespace sifkit::oci::media {

// Documents (image-spec and Docker's schema 2, which registries and `docker save` still serve).
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";

// Layers.
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
// An OCI-SIF's layers as SingularityCE writes them: squashfs file systems, not tars.
inline constexpr std::string_view kSquashfsLayer = "application/vnd.sylabs.image.layer.v1.squashfs";

// SIF files as ORAS artifacts, as Apptainer and SingularityCE push them: an image manifest
// whose config is the empty JSON object "{}" of this type, and whose only layer is the SIF
// file, titled with its file name.
inline constexpr std::string_view kSifConfig = "application/vnd.sylabs.sif.config.v1+json";
inline constexpr std::string_view kSifLayer = "application/vnd.sylabs.sif.layer.v1.sif";
// The layer type of Singularity before 3.7 (with its typo), still accepted on pull.
inline constexpr std::string_view kSifLayerPrototype = "appliciation/vnd.sylabs.sif.layer.tar";
inline constexpr std::string_view kEmptyConfig = "{}";
inline constexpr std::string_view kEmptyConfigDigest =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

// cosign's signatures: a manifest whose layers are simple-signing payloads.
inline constexpr std::string_view kCosignSimpleSigning =
    "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr std::string_view kCosignSignatureArtifact =
    "application/vnd.dev.cosign.artifact.sig.v1+json";

// Annotation keys.
inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kTitleAnnotation = "org.opencontainers.image.title";
inline constexpr std::string_view kCreatedAnnotation = "org.opencontainers.image.created";
inline constexpr std::string_view kCosignSignatureAnnotation = "dev.cosignproject.cosign/signature";

// An image manifest of either family (what a root index or tag may name as "the image").
constexpr bool is_image_manifest(std::string_view type) {
    return type == kOciManifest || type == kDockerManifest;
}

// A layer that is a tar stream, uncompressed or compressed, of either family (OCI's
// non-distributable and Docker's foreign layers included: only where they may be pushed differs).
constexpr bool is_tar_layer(std::string_view type) {
    constexpr std::string_view tar_layers[] = {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.diff.tar.zstd",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    };
    for (const std::string_view known : tar_layers) {
        if (type == known) {
            return true;
        }
    }
    return false;
}

// An index of either family (a multi-platform image).
constexpr bool is_image_index(std::string_view type) {
    return type == kOciIndex || type == kDockerManifestList;
}

}  // namespace sifkit::oci::media
