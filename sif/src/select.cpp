// Finding objects: by ID, by group, the primary partition; relative IDs for signatures.
#include <algorithm>
#include <set>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::sif {

std::vector<Descriptor> Image::objects() const {
    std::vector<Descriptor> used;
    std::copy_if(slots_.begin(), slots_.end(), std::back_inserter(used),
                 [](const Descriptor& d) { return d.used; });
    return used;
}

std::size_t Image::object_count() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(slots_.begin(), slots_.end(), [](const Descriptor& d) { return d.used; }));
}

const Descriptor* Image::find(std::uint32_t id) const noexcept {
    const auto it = std::find_if(slots_.begin(), slots_.end(),
                                 [id](const Descriptor& d) { return d.used && d.id == id; });
    return it == slots_.end() ? nullptr : &*it;
}

const Descriptor& Image::object(std::uint32_t id) const {
    if (const Descriptor* d = find(id)) {
        return *d;
    }
    throw Error(ErrorKind::not_found, "no object with ID " + std::to_string(id), name());
}

const Descriptor* Image::primary_partition() const noexcept {
    const auto it = std::find_if(slots_.begin(), slots_.end(), [](const Descriptor& d) {
        return d.used && d.is_partition_of(PartType::primary_system);
    });
    return it == slots_.end() ? nullptr : &*it;
}

const Descriptor* Image::first_of(DataType type) const noexcept {
    const auto it = std::find_if(slots_.begin(), slots_.end(), [type](const Descriptor& d) {
        return d.used && d.type() == type;
    });
    return it == slots_.end() ? nullptr : &*it;
}

std::vector<std::uint32_t> Image::groups() const {
    std::set<std::uint32_t> ids;
    for (const Descriptor& d : slots_) {
        if (d.used && d.group() != 0) {
            ids.insert(d.group());
        }
    }
    return {ids.begin(), ids.end()};
}

std::vector<Descriptor> Image::group_objects(std::uint32_t group) const {
    std::vector<Descriptor> members;
    std::copy_if(slots_.begin(), slots_.end(), std::back_inserter(members),
                 [group](const Descriptor& d) { return d.used && d.group() == group; });
    std::sort(members.begin(), members.end(),
              [](const Descriptor& a, const Descriptor& b) { return a.id < b.id; });
    return members;
}

std::uint32_t Image::relative_id(const Descriptor& descriptor) const {
    // The reference keys groups by the raw stored value, mask bits included.
    std::uint32_t minimum = descriptor.id;
    for (const Descriptor& d : slots_) {
        if (d.used && d.group_raw == descriptor.group_raw) {
            minimum = std::min(minimum, d.id);
        }
    }
    return descriptor.id - minimum;
}

}  // namespace sifkit::sif
