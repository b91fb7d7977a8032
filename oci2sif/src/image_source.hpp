// Image sources, named as skopeo and Apptainer name them:
//   oci:DIR[:TAG]                    an OCI image layout directory
//   oci-archive:FILE[:TAG]           the same layout in a tar archive, read in place
//   docker-archive:FILE[:REPO:TAG]   `docker save` / `podman save` output (legacy or OCI members)
//   dir:ROOTFS                       a root file system directory (the image is built from it)
//   tar:FILE                         a root file system tarball (optionally gzip/zstd compressed)
// Opening a source resolves it to one image: its config and its layer stack, every document
// checked against its digest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "image_config.hpp"
#include "platform.hpp"
#include "sifkit/oci2sif/blob_store.hpp"

namespace sifkit::oci2sif {

struct LayerRef {
    std::string path;                    // file in the store (blobs/sha256/<hex>, <id>/layer.tar)
    std::string media_type;              // empty when the source does not record one
    std::optional<std::string> digest;   // sha256 of the blob as stored
    std::optional<std::uint64_t> size;   // size of the blob as stored
    std::optional<std::string> diff_id;  // sha256 of the uncompressed tar (config rootfs.diff_ids)
};

struct ImageSource {
    enum class Kind { oci_layout, oci_archive, docker_archive, directory, tarball, scratch };
    Kind kind = Kind::oci_layout;
    std::string reference;  // as given
    std::filesystem::path path;
    std::string tag;  // tag or REPO:TAG selected, empty when none was named
    // The definition-file header Apptainer would write for this source.
    std::string bootstrap;
    std::string from;
    std::shared_ptr<const BlobStore> store;  // layouts and archives; null for dir: and tar:
    ImageConfig config;
    std::vector<LayerRef> layers;  // bottom layer first
    std::string manifest_digest;   // empty when the source has no manifest blob
    std::string config_path;       // the config's file in the store (layouts and archives)
};

struct SourceOptions {
    std::optional<Platform> platform;  // nullopt: this machine's
    std::string architecture;          // dir:/tar: image architecture; empty: this machine's
};

ImageSource open_source(std::string_view reference, const SourceOptions& options);
// No image at all: the empty root file system of a definition file's "Bootstrap: scratch".
ImageSource scratch_source(const SourceOptions& options);
// An OCI image layout served by the caller; `bootstrap`/`from` are what the definition file
// records for it.
ImageSource open_store(std::shared_ptr<const BlobStore> store, const std::string& tag,
                       const std::string& bootstrap, const std::string& from,
                       const SourceOptions& options);

// Internals of open_source, one per source format.
void resolve_oci_layout(ImageSource& source, const SourceOptions& options);
void resolve_docker_archive(ImageSource& source);

}  // namespace sifkit::oci2sif
