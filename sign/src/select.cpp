#include "select.hpp"

#include <algorithm>
#include <map>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {
namespace {

void sort_unique(std::vector<std::uint32_t>& ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

}  // namespace

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
    sort_unique(groups);
    return groups;
}

std::vector<std::uint32_t> group_ids(const sif::Image& image, std::uint32_t group) {
    std::vector<std::uint32_t> ids;
    for (const sif::Descriptor& d : image.group_objects(group)) {
        ids.push_back(d.id);
    }
    return ids;
}

std::vector<sif::Descriptor> group_members(const sif::Image& image, std::uint32_t group) {
    std::vector<sif::Descriptor> members;
    for (const sif::Descriptor& d : image.objects()) {
        if (d.group() == group) {
            members.push_back(d);
        }
    }
    return members;
}

std::vector<std::pair<std::uint32_t, std::vector<std::uint32_t>>> split_by_group(
    const sif::Image& image, const std::vector<std::uint32_t>& ids) {
    std::map<std::uint32_t, std::vector<std::uint32_t>> by_group;
    for (const std::uint32_t id : ids) {
        const sif::Descriptor& d = image.object(id);
        if (d.group() == 0) {
            throw Error(ErrorKind::usage,
                        "object " + std::to_string(id) + " is in no group, so it cannot be signed",
                        image.name());
        }
        auto& members = by_group[d.group()];
        if (std::find(members.begin(), members.end(), id) == members.end()) {
            members.push_back(id);
        }
    }
    return {by_group.begin(), by_group.end()};
}

std::vector<Task> make_tasks(const sif::Image& image, std::vector<std::uint32_t> groups,
                             std::vector<std::uint32_t> objects) {
    sort_unique(objects);
    if (!groups.empty() || objects.empty()) {
        groups = select_groups(image, groups);  // none requested: every group
    }
    std::vector<Task> tasks;
    for (const std::uint32_t group : groups) {
        tasks.push_back(Task{TaskKind::group, group, group, group_members(image, group), false});
    }
    for (const std::uint32_t id : objects) {
        const sif::Descriptor& d = image.object(id);
        tasks.push_back(Task{TaskKind::object, id, d.group(), {d}, true});
    }
    return tasks;
}

}  // namespace sifkit::sign::detail
