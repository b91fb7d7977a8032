// The runtime metadata Apptainer adds to images (singularity_metadata.hpp) as two synthetic
// layers around the image's own: files that must win go above the top layer, mount points and
// empty /etc files that only fill gaps go below the bottom layer.
#pragma once

#include <cstdint>

#include "image_config.hpp"
#include "memory_entries.hpp"
#include "sifkit/oci2sif/convert.hpp"
#include "sifkit/oci2sif/definition.hpp"

namespace sifkit::oci2sif {

struct MetadataLayers {
    MemoryEntries above;
    MemoryEntries below;
};

// `definition`: the definition file being built (its sections replace or add files), or null.
// `base`: with a definition, the /.singularity.d of its SIF base image, which is kept.
MetadataLayers metadata_layers(const ImageConfig& config, const std::string& deffile,
                               std::int64_t mtime, const Definition* definition = nullptr,
                               const BaseImageMetadata* base = nullptr);

}  // namespace sifkit::oci2sif
