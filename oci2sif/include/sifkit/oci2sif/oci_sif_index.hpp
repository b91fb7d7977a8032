// The root index of an OCI-SIF listing one image manifest, as oci-tools writes it; for writers
// that copy an image's own blobs into an OCI-SIF (registry pulls of squashfs-layer images).
#pragma once

#include <cstdint>
#include <string>

namespace sifkit::oci2sif {

std::string oci_sif_root_index(const std::string& manifest_media_type,
                               const std::string& manifest_digest, std::uint64_t manifest_size);

}  // namespace sifkit::oci2sif
