// Storing cosign signatures in an OCI-SIF as SingularityCE 4.3 does (internal/pkg/cosign/
// sign.go: cosign's mutate.AttachSignatureToImage, then oci-tools' ReplaceImage with
// OptAppendReference): one OCI image manifest per signed image manifest, listed in the root
// index with the annotation org.opencontainers.image.ref.name = "_cosign:sha256-<hex>.sig",
// whose layers are the simple-signing payloads (media type
// application/vnd.dev.cosign.simplesigning.v1+json, the base64 signature in the annotation
// dev.cosignproject.cosign/signature) and whose config is the one go-containerregistry gives an
// empty image with those layers. Takes the payloads and signatures as bytes: making and
// checking them is sign/'s business.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sifkit/sif/image.hpp"

namespace sifkit::oci2sif {

struct CosignLayer {
    std::string payload;    // the simple-signing JSON, exactly as signed
    std::string signature;  // base64
};

// Adds `layers` to the signature manifest of the image manifest `image_digest` of an OCI-SIF
// opened read-write (creating the manifest, or replacing it by one with the old layers followed
// by the new ones; a layer already there, same payload and signature, is not added twice).
// Returns the ref.name of the signature manifest.
//
// Interrupt-safe as an in-place update can be: the new blobs first, then the new root index
// takes the old one's place in one table write (sif::Image::replace), so a reader sees the old
// index or the new one, and always exactly one; the previous signature manifest's own blobs,
// now unreferenced, are removed last. Refuses an image with two root indexes (invalid_image).
// Needs free descriptor slots for the new objects (conflict Error, nothing written, when there
// are too few).
std::string append_cosign_signatures(sif::Image& image, const std::string& image_digest,
                                     const std::vector<CosignLayer>& layers,
                                     std::optional<std::int64_t> time);

}  // namespace sifkit::oci2sif
