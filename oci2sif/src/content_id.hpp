// The ID convert gives an image: derived from the types, sizes and bytes of its objects, so that
// the same content gets the same ID (one home for convert and repack).
#pragma once

#include "sifkit/sif/image.hpp"

namespace sifkit::oci2sif {

sif::Uuid content_id(const sif::Image& image);

}  // namespace sifkit::oci2sif
