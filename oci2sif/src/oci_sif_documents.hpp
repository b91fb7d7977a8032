// The JSON documents of an OCI-SIF image, as SingularityCE 4 (sylabs/oci-tools) writes them: the
// source config with rootfs.diff_ids naming the squashfs layers and a one-entry history, an OCI
// image manifest whose layers have the squashfs media type, and a root index listing it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "image_config.hpp"
#include "sifkit/oci/media_types.hpp"

namespace sifkit::oci2sif {

struct BlobDescriptor {
    std::string media_type;
    std::string digest;
    std::uint64_t size = 0;
};

// `layers` are the squashfs blobs (a squashfs layer's diff_id is its digest: it is not
// compressed); `source_digest` the manifest the image came from (for the history comment).
std::string oci_sif_config(const ImageConfig& config, const std::vector<BlobDescriptor>& layers,
                           const std::string& source_digest, std::optional<std::int64_t> created);
std::string oci_sif_manifest(const BlobDescriptor& config,
                             const std::vector<BlobDescriptor>& layers);
std::string oci_sif_index(const BlobDescriptor& manifest);

}  // namespace sifkit::oci2sif
