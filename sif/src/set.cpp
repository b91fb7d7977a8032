// Setting header fields: the primary system partition (format §7, "setprim") and the image ID.
#include <algorithm>
#include <vector>

#include "layout.hpp"
#include "sifkit/sif/clock.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::sif {
namespace {

void set_part_type(Descriptor& d, PartType type) {
    PartitionInfo info = d.partition();
    info.part_type = type;
    d.extra = encode_extra(info);
}

}  // namespace

void Image::set_primary(std::uint32_t id, const UpdateOptions& options) {
    require_writable("set the primary partition");
    const auto target = std::find_if(slots_.begin(), slots_.end(),
                                     [id](const Descriptor& d) { return d.used && d.id == id; });
    if (target == slots_.end()) {
        throw Error(ErrorKind::not_found, "no object with ID " + std::to_string(id), name());
    }
    if (target->type() != DataType::partition) {
        throw Error(ErrorKind::conflict,
                    "object " + std::to_string(id) + " is not a partition (it is " +
                        std::string(display_name(target->type())) + ")",
                    name());
    }
    const PartitionInfo info = target->partition();
    if (info.part_type == PartType::primary_system) {
        return;  // already primary: nothing changes, not even the modification time
    }
    if (info.part_type != PartType::system) {
        throw Error(ErrorKind::conflict,
                    "object " + std::to_string(id) + " is a " +
                        std::string(display_name(info.part_type)) +
                        " partition; only a System partition can become primary",
                    name());
    }

    // Demote the old primary and promote the new one in a single write of the table range that
    // holds both, so that an interrupted update leaves the old state or the new one, never an
    // image with no primary partition or two. The reference writes the target's architecture
    // name into its extra here (a bug in 2.8.3); sifkit keeps the correct code.
    const auto old_primary = std::find_if(slots_.begin(), slots_.end(), [](const Descriptor& d) {
        return d.used && d.is_partition_of(PartType::primary_system);
    });
    const std::vector<Descriptor> saved = slots_;
    const auto target_slot = static_cast<std::size_t>(target - slots_.begin());
    std::size_t first = target_slot;
    std::size_t last = target_slot;
    if (old_primary != slots_.end()) {
        const auto old_slot = static_cast<std::size_t>(old_primary - slots_.begin());
        set_part_type(slots_[old_slot], PartType::system);
        first = std::min(first, old_slot);
        last = std::max(last, old_slot);
    }
    set_part_type(slots_[target_slot], PartType::primary_system);
    try {
        write_slots(first, last);
    } catch (...) {
        slots_ = saved;
        throw;
    }

    header_.arch = info.arch;
    header_.modified_at = options.time.value_or(unix_now());
    write_header();
}

void Image::set_id(const Uuid& id, const UpdateOptions& options) {
    require_writable("set the image ID");
    header_.id = id;
    header_.modified_at = options.time.value_or(unix_now());
    write_header();
}

}  // namespace sifkit::sif
