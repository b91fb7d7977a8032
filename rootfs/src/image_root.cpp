#include "sifkit/rootfs/image_root.hpp"

#include <nlohmann/json.hpp>
#include <vector>

#include "sifkit/oci/media_types.hpp"
#include "sifkit/rootfs/oci_sif.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::rootfs {
namespace {

// The OCI-SIF's layer objects, bottom first, each checked to be a squashfs layer.
std::vector<sif::Descriptor> squashfs_layers(const sif::Image& image, const OciSifImage& oci) {
    std::vector<sif::Descriptor> out;
    for (std::size_t i = 0; i < oci.layers.size(); ++i) {
        const OciBlob& layer = oci.layers[i];
        if (layer.media_type != oci::media::kSquashfsLayer) {
            throw Error(ErrorKind::unsupported,
                        "OCI-SIF layer " + std::to_string(i + 1) + " of " +
                            std::to_string(oci.layers.size()) + " (object " +
                            std::to_string(layer.object) + ") is " +
                            (layer.media_type.empty() ? "of no media type" : layer.media_type) +
                            ", not a squashfs layer: the root file system cannot be read "
                            "(export --format oci returns the layers as they are)",
                        image.name());
        }
        out.push_back(image.object(layer.object));
    }
    return out;
}

}  // namespace

const sif::Descriptor& root_object(const sif::Image& image) {
    if (is_oci_sif(image)) {
        const OciSifImage oci = read_oci_sif(image);
        const std::vector<sif::Descriptor> layers = squashfs_layers(image, oci);
        if (layers.size() != 1) {
            throw Error(ErrorKind::unsupported,
                        "OCI-SIF with " + std::to_string(layers.size()) +
                            " layers: no single object holds the root file system (extract "
                            "--object ID gives one layer)",
                        image.name());
        }
        return image.object(layers.front().id);
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
    if (is_oci_sif(image)) {
        const OciSifImage oci = read_oci_sif(image);
        return SquashfsImage::open_layers(image, squashfs_layers(image, oci));
    }
    return SquashfsImage::open(image, root_object(image));
}

std::string root_architecture(const sif::Image& image) {
    if (is_oci_sif(image)) {
        const auto config = nlohmann::json::parse(read_oci_sif(image).config_json, nullptr, false);
        if (config.is_object() && config.contains("architecture") &&
            config["architecture"].is_string()) {
            return config["architecture"].get<std::string>();
        }
        return "";
    }
    return std::string(root_object(image).partition().arch.go_name());
}

}  // namespace sifkit::rootfs
