// The image metadata document the reference signs (format §9.2): header digest and, for each
// signed object, its relative ID, descriptor digest and object digest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sifkit/sif/image.hpp"
#include "sifkit/sign/digest.hpp"

namespace sifkit::sign {

struct ObjectMetadata {
    std::uint32_t relative_id = 0;
    Digest descriptor_digest;
    Digest object_digest;
    friend bool operator==(const ObjectMetadata&, const ObjectMetadata&) = default;
};

struct ImageMetadata {
    int version = 1;
    Digest header_digest;
    std::vector<ObjectMetadata> objects;  // ascending object ID

    // Compact JSON exactly as the reference writes it (no spaces, keys in its order).
    std::string to_json() const;
    // Parses a metadata document; throws an invalid_input Error when malformed.
    static ImageMetadata parse(std::string_view json);
    friend bool operator==(const ImageMetadata&, const ImageMetadata&) = default;
};

// Computes the metadata of `ids` (objects of one group, any order) as the image is now.
ImageMetadata compute_metadata(const sif::Image& image, const std::vector<std::uint32_t>& ids,
                               DigestAlgorithm algorithm = DigestAlgorithm::sha256);

}  // namespace sifkit::sign
