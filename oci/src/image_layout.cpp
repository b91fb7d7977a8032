#include "sifkit/oci/image_layout.hpp"

#include "sifkit/sif/sha256.hpp"

namespace sifkit::oci {

std::string layout_blob_path(std::string_view digest) {
    return "blobs/sha256/" + sif::sha256_hex(digest);
}

}  // namespace sifkit::oci
