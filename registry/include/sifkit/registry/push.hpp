// `sifkit push`: a SIF file to a registry as an ORAS artifact, the way Apptainer and
// SingularityCE push to oras:// (so that either pulls it): an OCI image manifest whose config
// is "{}" of type application/vnd.sylabs.sif.config.v1+json and whose one layer is the SIF
// file (application/vnd.sylabs.sif.layer.v1.sif, titled with its file name), annotated with the
// image's creation time. The SIF blob is not uploaded when the repository has it, and is
// mounted from another repository of the registry where the cache saw it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sifkit/registry/client.hpp"
#include "sifkit/registry/reference.hpp"

namespace sifkit::registry {

struct PushOptions {
    std::filesystem::path image;
    std::string reference;  // push(): oras://HOST/REPO:TAG; push_oci_layout(): docker://...
    ClientOptions client;
    std::uint64_t chunk_size = 64 << 20;  // larger blobs go up in PATCH chunks of this size
    std::vector<std::string> mount_from;  // more repositories to try a mount from
    bool use_cache = true;                // read and record mount sources in the cache
    std::optional<std::filesystem::path> cache_dir;
};

struct PushResult {
    Reference reference;
    std::string manifest_digest;
    std::string blob_digest;  // the SIF file; for an OCI image its largest layer
    std::uint64_t size = 0;   // bytes of every blob the manifest names (config and layers)
    std::uint64_t blobs = 1;  // blobs the manifest names (the ORAS config not counted)
    UploadOutcome outcome = UploadOutcome::uploaded;  // of the blob `blob_digest` names
    ClientStats http;
};

// options.image (a SIF file) as an ORAS artifact to an oras:// reference; `image` must load as
// a SIF image.
PushResult push(const PushOptions& options);

// The one image of the OCI image layout `layout` to a docker:// reference: config and layers
// (each skipped when the repository has it, mounted from `mount_from` when it can be), then
// the manifest, byte for byte, under the tag. options.image, use_cache and cache_dir are not
// used. `sifkit push --format oci` makes the layout with sifkit::rootfs::export_oci.
PushResult push_oci_layout(const std::filesystem::path& layout, const PushOptions& options);

// The reference push_oci_layout() takes: docker://, naming a tag, not a digest; a usage Error
// otherwise. For callers that check it before making the layout.
Reference oci_push_reference(std::string_view text);

}  // namespace sifkit::registry
