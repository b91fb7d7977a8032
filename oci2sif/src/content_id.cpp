#include "content_id.hpp"

#include <string>
#include <vector>

#include "sha256.hpp"

namespace sifkit::oci2sif {

// A name-based UUID from the digest of every object: the same content gets the same ID, and a
// different file system, config or source gets another.
sif::Uuid content_id(const sif::Image& image) {
    Sha256 hasher;
    std::vector<std::byte> buffer(1 << 20);
    for (const sif::Descriptor& d : image.objects()) {
        hasher.update(std::to_string(d.data_type) + ":" + std::to_string(d.size) + ";");
        sif::ObjectReader reader = image.reader(d);
        while (const std::size_t n = reader.read(buffer)) {
            hasher.update(std::span<const std::byte>(buffer.data(), n));
        }
    }
    return sif::Uuid::derive(hasher.finish());
}

}  // namespace sifkit::oci2sif
