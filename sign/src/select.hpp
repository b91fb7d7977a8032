// Which objects a signature covers, how selected objects split by group, and the
// verification tasks of a request (the reference's select.go and getTasks).
#pragma once

#include <cstdint>
#include <vector>

#include "sifkit/sif/image.hpp"
#include "sifkit/sign/result.hpp"

namespace sifkit::sign::detail {

// Groups to process: the requested ones (each must exist), or every group in the image.
std::vector<std::uint32_t> select_groups(const sif::Image& image,
                                         const std::vector<std::uint32_t>& requested);
// IDs of the used objects of a group, ascending.
std::vector<std::uint32_t> group_ids(const sif::Image& image, std::uint32_t group);
// Used descriptors of a group in table order (signatures that sit in the group included).
std::vector<sif::Descriptor> group_members(const sif::Image& image, std::uint32_t group);
// Splits object IDs by group, groups ascending (the reference's withGroupedObjects). Throws
// not_found for an unknown ID and usage for an object in no group.
std::vector<std::pair<std::uint32_t, std::vector<std::uint32_t>>> split_by_group(
    const sif::Image& image, const std::vector<std::uint32_t>& ids);

struct Task {
    TaskKind kind = TaskKind::group;  // group or object
    std::uint32_t id = 0;
    std::uint32_t group = 0;
    std::vector<sif::Descriptor> objects;  // what must be verified
    bool subset_ok = false;                // object tasks: signatures may cover more
};

// The tasks of a request, as the reference builds them: the requested groups, then the
// requested objects (ascending, duplicates merged); neither = every group. Throws not_found for
// groups or objects that do not exist.
std::vector<Task> make_tasks(const sif::Image& image, std::vector<std::uint32_t> groups,
                             std::vector<std::uint32_t> objects);

}  // namespace sifkit::sign::detail
