// OCI-SIF images (SingularityCE 4's `singularity run --oci` format): an OCI image stored in a
// SIF, every blob an OCI.Blob object whose descriptor carries the blob's digest, the image index
// an OCI.RootIndex object. Reading resolves the root index to its one image manifest, its config
// and its layers, each found by digest and checked against it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sifkit/sif/image.hpp"

namespace sifkit::rootfs {

struct OciBlob {
    std::string digest;  // "sha256:<hex>"
    std::string media_type;
    std::uint64_t size = 0;
    std::uint32_t object = 0;  // the OCI.Blob object holding it
};

struct OciSifImage {
    std::string index;  // the root index JSON, as stored
    OciBlob manifest;
    std::string manifest_json;
    OciBlob config;
    std::string config_json;
    std::vector<OciBlob> layers;  // bottom first
};

// True when the image has an OCI.RootIndex object.
bool is_oci_sif(const sif::Image& image);
// Resolves the root index to its image: the only image manifest once the cosign signature and
// attestation manifests SingularityCE stores next to it (ref.name "_cosign:...") are left
// aside; unsupported when several remain; invalid_image when the documents are malformed, a
// blob is missing or its bytes do not match the digest, or the image has more than one
// OCI.RootIndex object (as Apptainer refuses it).
OciSifImage read_oci_sif(const sif::Image& image);
// A cosign signature stored next to the image (SingularityCE 4.3's `sign --cosign`): one
// layer of the manifest the root index names "_cosign:sha256-<hex>.sig".
struct OciCosignSignature {
    std::string payload;    // the simple-signing JSON, as stored (digest checked)
    std::string signature;  // base64, the layer's dev.cosignproject.cosign/signature
};

// The signature manifest of the image's manifest; nullopt when the root index lists none.
std::optional<OciBlob> find_cosign_signature_manifest(const sif::Image& image,
                                                      const OciSifImage& oci);
// The blobs a signature manifest names: its config, then its layers (sizes checked).
std::vector<OciBlob> cosign_signature_blobs(const sif::Image& image, const OciBlob& manifest);
// The signatures of the image's manifest; empty when the root index names no signature
// manifest for it. Layers of another media type are left aside; a signature manifest or payload
// whose bytes do not match its digest is invalid_image.
std::vector<OciCosignSignature> read_cosign_signatures(const sif::Image& image,
                                                       const OciSifImage& oci);
// Hashes every OCI.Blob object and checks it against its descriptor's digest (what
// SingularityCE's `verify --cosign` checks first: the signed manifest names the blobs by
// digest, so the signature covers the layers only if their bytes match); invalid_image naming
// the first one that does not.
void check_oci_blob_digests(const sif::Image& image);
// The OCI.Blob object of a digest; not_found when there is none.
const sif::Descriptor& find_oci_blob(const sif::Image& image, const std::string& digest);
// Reads a small blob whole (documents), checking its digest; refuses blobs over 16 MiB.
std::string read_oci_document(const sif::Image& image, const OciBlob& blob);

}  // namespace sifkit::rootfs
