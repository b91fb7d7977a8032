// `sifkit pull`: a registry image into a SIF file.
//   docker://...  an OCI/Docker image: the manifest is resolved (index → platform) and the image
//                 converted exactly as oci2sif::convert converts an OCI layout (the layout is
//                 served from the registry, nothing is unpacked on disk), while its layers
//                 download concurrently into the blob cache, from the top layer down.
//   oras://...    a SIF file pushed as an ORAS artifact (by sifkit, Apptainer or SingularityCE):
//                 the one layer is downloaded, checked to be a SIF image and written.
// The output appears whole or not at all (sif::AtomicFile).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "sifkit/oci2sif/convert.hpp"
#include "sifkit/registry/client.hpp"
#include "sifkit/registry/reference.hpp"

namespace sifkit::registry {

struct PullOptions {
    std::string reference;  // docker://... or oras://...
    // Output, overwrite, platform, squashfs and config options of the conversion (source and
    // store are set by pull). For oras:// only output and overwrite apply.
    oci2sif::ConvertOptions convert;
    ClientOptions client;
    bool use_cache = true;
    std::optional<std::filesystem::path> cache_dir;  // nullopt: BlobCache::default_directory()
    unsigned jobs = 4;                               // concurrent blob downloads
};

struct PullResult {
    Reference reference;
    std::string manifest_digest;  // the image manifest converted, or the ORAS manifest
    std::optional<oci2sif::ConvertResult> conversion;  // docker:// pulls
    std::uint64_t sif_bytes = 0;
    std::uint64_t blobs = 0;             // blobs the image needed
    std::uint64_t blobs_from_cache = 0;  // found complete in the cache
    std::uint64_t blobs_downloaded = 0;  // fetched (in whole, or the rest of a partial file)
    std::uint64_t blobs_resumed = 0;     // continued from what an interrupted pull left
    std::uint64_t bytes_downloaded = 0;
    ClientStats http;
};

PullResult pull(const PullOptions& options, oci2sif::ConvertObserver* observer = nullptr);

// SingularityCE 4.3's `pull --oci --with-cosign`: a docker:// image whose layers are all squashfs
// (application/vnd.sylabs.image.layer.v1.squashfs: pushed from an OCI-SIF) copied into an
// OCI-SIF as the registry stores it (layers, config and manifest byte for byte, each checked
// against its digest), so that its manifest digest, and with it the cosign signatures, stay
// valid; then its cosign signatures (fetch_cosign_signatures) are stored next to it as `sign
// --cosign` stores them. Uses options.reference (a manifest, not an index), client,
// convert.output, convert.overwrite and convert.time. Another layer type is unsupported: a
// conversion would change the digest the signatures name. The output appears whole or not at
// all.
struct StoredPullResult {
    Reference reference;
    std::string manifest_digest;
    std::size_t signatures = 0;  // cosign signatures stored with the image
    std::uint64_t sif_bytes = 0;
};
StoredPullResult pull_oci_sif_as_stored(const PullOptions& options);

}  // namespace sifkit::registry
