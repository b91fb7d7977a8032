#include "sifkit/oci/oci_sif_objects.hpp"

#include <span>
#include <vector>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/text.hpp"

namespace sifkit::oci {

const sif::Descriptor* find_root_index(const sif::Image& image) {
    std::vector<const sif::Descriptor*> roots;
    for (const sif::Descriptor& d : image.slots()) {
        if (d.used && d.type() == sif::DataType::oci_root_index) {
            roots.push_back(&d);
        }
    }
    if (roots.size() > 1) {
        std::vector<std::string> ids;
        for (const sif::Descriptor* root : roots) {
            ids.push_back(std::to_string(root->id));
        }
        throw Error(ErrorKind::invalid_image,
                    "OCI-SIF: " + std::to_string(roots.size()) + " OCI.RootIndex objects (IDs " +
                        sif::join(ids, ", ") + "); an OCI-SIF holds exactly one",
                    image.name());
    }
    return roots.empty() ? nullptr : roots.front();
}

const sif::Descriptor* find_blob(const sif::Image& image, std::string_view digest) {
    for (const sif::Descriptor& d : image.slots()) {
        if (d.used && d.type() == sif::DataType::oci_blob && d.oci_digest().value == digest) {
            return &image.object(d.id);
        }
    }
    return nullptr;
}

std::string read_document(const sif::Image& image, const sif::Descriptor& object,
                          const std::string& what) {
    if (static_cast<std::uint64_t>(object.size) > kMaxDocumentBytes) {
        throw Error(ErrorKind::invalid_image, "OCI-SIF: " + what + " is larger than 16 MiB",
                    image.name());
    }
    std::string text(static_cast<std::size_t>(object.size), '\0');
    image.read(object, 0, std::as_writable_bytes(std::span<char>(text.data(), text.size())));
    return text;
}

}  // namespace sifkit::oci
