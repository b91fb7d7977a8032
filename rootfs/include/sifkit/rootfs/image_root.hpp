// The root file system of a SIF image, whichever way the image stores it: the squashfs primary
// partition of a native SIF (what `apptainer build` and `sifkit convert` write), or the single
// squashfs layer of an OCI-SIF.
#pragma once

#include "sifkit/rootfs/squashfs.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::rootfs {

// The object holding the root file system. not_found when the image has none (no primary
// partition, no OCI root index); unsupported for ext3 or encrypted partitions and for OCI-SIF
// images that keep several layers.
const sif::Descriptor& root_object(const sif::Image& image);

// root_object opened as squashfs.
SquashfsImage open_root(const sif::Image& image);

}  // namespace sifkit::rootfs
