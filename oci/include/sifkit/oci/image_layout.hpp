// Names inside an OCI image layout (image-spec image-layout.md), for the modules that read one
// (oci2sif), write one (rootfs export, cli push --with-cosign) or push one (registry).
#pragma once

#include <string>
#include <string_view>

namespace sifkit::oci {

// The `oci-layout` file's name and the only content image-spec 1.x gives it.
inline constexpr std::string_view kLayoutMarkerFile = "oci-layout";
inline constexpr std::string_view kLayoutMarker = R"({"imageLayoutVersion":"1.0.0"})";

// "sha256:<hex>" -> "blobs/sha256/<hex>", relative to the layout's root. The digest must be a
// sha256 digest the caller has checked (anything else is an internal Error).
std::string layout_blob_path(std::string_view digest);

}  // namespace sifkit::oci
