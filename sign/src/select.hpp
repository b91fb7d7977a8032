// Which objects a signature covers and which signatures belong to a group.
#pragma once

#include <cstdint>
#include <vector>

#include "sifkit/sif/image.hpp"

namespace sifkit::sign::detail {

// Groups to process: the requested ones (each must exist), or every group in the image.
std::vector<std::uint32_t> select_groups(const sif::Image& image,
                                         const std::vector<std::uint32_t>& requested);
// IDs of the used objects of a group, ascending.
std::vector<std::uint32_t> group_ids(const sif::Image& image, std::uint32_t group);
// Signature objects linked to a group.
std::vector<sif::Descriptor> group_signatures(const sif::Image& image, std::uint32_t group);

}  // namespace sifkit::sign::detail
