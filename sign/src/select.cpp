#include "select.hpp"

#include <algorithm>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {

std::vector<std::uint32_t> select_groups(const sif::Image& image,
                                         const std::vector<std::uint32_t>& requested) {
    const std::vector<std::uint32_t> present = image.groups();
    if (requested.empty()) {
        return present;
    }
    for (const std::uint32_t group : requested) {
        if (std::find(present.begin(), present.end(), group) == present.end()) {
            throw Error(ErrorKind::not_found, "no object group " + std::to_string(group),
                        image.name());
        }
    }
    std::vector<std::uint32_t> groups = requested;
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    return groups;
}

std::vector<std::uint32_t> group_ids(const sif::Image& image, std::uint32_t group) {
    std::vector<std::uint32_t> ids;
    for (const sif::Descriptor& d : image.group_objects(group)) {
        ids.push_back(d.id);
    }
    return ids;
}

std::vector<sif::Descriptor> group_signatures(const sif::Image& image, std::uint32_t group) {
    std::vector<sif::Descriptor> signatures;
    for (const sif::Descriptor& d : image.objects()) {
        if (d.type() == sif::DataType::signature && d.link().kind() == sif::Link::Kind::group &&
            d.link().target() == group) {
            signatures.push_back(d);
        }
    }
    return signatures;
}

}  // namespace sifkit::sign::detail
