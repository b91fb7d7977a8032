// What `sifkit inspect` shows of an image source without reading a layer: the documents as they
// are stored (for --raw and --config, and for skopeo's fields) and the layer descriptors. The
// image is chosen exactly as `convert` chooses it (tag, then platform), so that inspecting tells
// what converting would build.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sifkit/oci2sif/blob_store.hpp"

namespace sifkit::oci2sif {

struct LayerDescriptor {
    std::string media_type;  // empty when the source records none (legacy docker archives)
    std::string digest;      // empty when the source records none
    std::optional<std::uint64_t> size;
    std::map<std::string, std::string> annotations;
};

struct SourceDocuments {
    // The manifest or index the reference names, byte for byte (empty for docker archives, which
    // store none), and its digest.
    std::string raw;
    std::string raw_digest;
    // The image manifest chosen (the raw document itself unless that is an index).
    std::string manifest;
    std::string manifest_digest;
    std::string config;  // the config blob as stored
    std::vector<LayerDescriptor> layers;
    // The platforms an index offers ("os/arch[/variant]"), empty for a single manifest.
    std::vector<std::string> platforms;
    // docker-archive: the REPO:TAG the reference named (skopeo's Name comes from it), else empty.
    std::string named_tag;
};

// `platform` is "os/arch[/variant]" (this machine's when empty); a usage Error when malformed.
// oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REPO:TAG].
SourceDocuments inspect_source(std::string_view reference, std::string_view platform);
// An OCI image layout served by the caller (a registry), with its index.json entry `tag`.
SourceDocuments inspect_store(std::shared_ptr<const BlobStore> store, const std::string& tag,
                              std::string_view platform);

}  // namespace sifkit::oci2sif
