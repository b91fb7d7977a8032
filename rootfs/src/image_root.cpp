#include "sifkit/rootfs/image_root.hpp"

#include "sifkit/rootfs/oci_sif.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::rootfs {

const sif::Descriptor& root_object(const sif::Image& image) {
    if (is_oci_sif(image)) {
        const OciSifImage oci = read_oci_sif(image);
        if (oci.layers.size() != 1 || oci.layers.front().media_type != kSquashfsLayerMediaType) {
            throw Error(ErrorKind::unsupported,
                        "OCI-SIF with " + std::to_string(oci.layers.size()) +
                            " layer(s): the root file system can be read from a single squashfs "
                            "layer only (export --format oci returns the layers as they are)",
                        image.name());
        }
        return image.object(oci.layers.front().object);
    }
    const sif::Descriptor* primary = image.primary_partition();
    if (primary == nullptr) {
        throw Error(ErrorKind::not_found,
                    "the image has no primary partition (no root file system to read)",
                    image.name());
    }
    const sif::FsType fs = primary->partition().fs_type;
    if (fs != sif::FsType::squashfs) {
        throw Error(ErrorKind::unsupported,
                    "the primary partition (object " + std::to_string(primary->id) + ") is " +
                        std::string(sif::display_name(fs)) + ", not squashfs",
                    image.name());
    }
    return *primary;
}

SquashfsImage open_root(const sif::Image& image) {
    return SquashfsImage::open(image, root_object(image));
}

}  // namespace sifkit::rootfs
