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
#include <vector>

#include "sifkit/registry/client.hpp"
#include "sifkit/registry/reference.hpp"

namespace sifkit::registry {

enum class PushFormat { sif, oci };

struct PushOptions {
    std::filesystem::path image;
    std::string reference;  // oras://HOST/REPO:TAG
    PushFormat format = PushFormat::sif;
    ClientOptions client;
    std::uint64_t chunk_size = 64 << 20;  // larger SIF files go up in PATCH chunks of this size
    std::vector<std::string> mount_from;  // more repositories to try a mount from
    bool use_cache = true;                // read and record mount sources in the cache
    std::optional<std::filesystem::path> cache_dir;
};

struct PushResult {
    Reference reference;
    std::string manifest_digest;
    std::string blob_digest;
    std::uint64_t size = 0;
    UploadOutcome outcome = UploadOutcome::uploaded;
    ClientStats http;
};

// PushFormat::oci (the image as a normal OCI image) needs the OCI export of SIF images, which
// this version does not have: an unsupported Error.
PushResult push(const PushOptions& options);

}  // namespace sifkit::registry
