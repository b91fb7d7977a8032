// The root file system of a SIF image, whichever way the image stores it: the squashfs primary
// partition of a native SIF (what `apptainer build` and `sifkit convert` write), or the squashfs
// layers of an OCI-SIF (one, or several merged as overlayfs merges them).
#pragma once

#include <string>

#include "sifkit/rootfs/squashfs.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::rootfs {

// The one object holding the root file system. not_found when the image has none (no primary
// partition, no OCI root index); unsupported for ext3 or encrypted partitions and for OCI-SIF
// images that keep several layers (no single object holds their tree).
const sif::Descriptor& root_object(const sif::Image& image);

// The root file system opened as squashfs: the primary partition, or every layer of an OCI-SIF
// (unsupported when one is not a squashfs layer).
SquashfsImage open_root(const sif::Image& image);

// The architecture of the root file system, as Go names it ("amd64"): the primary partition's,
// or an OCI-SIF's image config's ("" when the config names none).
std::string root_architecture(const sif::Image& image);

}  // namespace sifkit::rootfs
