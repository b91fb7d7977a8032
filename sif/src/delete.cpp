// Deleting objects (format §7), with the reference's optional zeroing and compaction.
#include <algorithm>
#include <vector>

#include "layout.hpp"
#include "sifkit/sif/clock.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::sif {
namespace {

constexpr std::size_t kZeroChunk = 1 << 20;

void zero_range(Storage& storage, std::uint64_t offset, std::uint64_t size) {
    const std::vector<std::byte> zeros(
        static_cast<std::size_t>(std::min<std::uint64_t>(size, kZeroChunk)));
    while (size > 0) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, zeros.size()));
        storage.write_at(offset, std::span<const std::byte>(zeros.data(), n));
        offset += n;
        size -= n;
    }
}

}  // namespace

void Image::remove(std::uint32_t id, const DeleteOptions& options) {
    require_writable("delete an object");
    const auto it = std::find_if(slots_.begin(), slots_.end(),
                                 [id](const Descriptor& d) { return d.used && d.id == id; });
    if (it == slots_.end()) {
        throw Error(ErrorKind::not_found, "no object with ID " + std::to_string(id), name());
    }
    const std::size_t slot = static_cast<std::size_t>(it - slots_.begin());
    const Descriptor victim = *it;

    // The reference can only give back the space of the object that ends last.
    std::uint64_t truncate_at = 0;
    if (options.compact) {
        const bool last = std::all_of(slots_.begin(), slots_.end(), [&](const Descriptor& d) {
            return !d.used || d.end() <= victim.end();
        });
        if (!last) {
            throw Error(ErrorKind::conflict,
                        "cannot compact: object " + std::to_string(id) +
                            " is not the last object in the file",
                        name());
        }
        // Padding must lie inside the data section, or truncation would cut into other data.
        const std::int64_t padding = victim.size_with_padding - victim.size;
        if (padding < 0 || padding > victim.offset - header_.data_offset ||
            victim.size_with_padding > header_.data_size) {
            throw Error(
                ErrorKind::conflict,
                "cannot compact: object " + std::to_string(id) + " has an inconsistent padded size",
                name());
        }
        truncate_at = static_cast<std::uint64_t>(victim.offset - padding);
    }

    const std::int64_t time = options.time.value_or(unix_now());
    // Order: drop the descriptor first, then zero the data (if asked), then the header, and only
    // then give the space back. Zeroing before the descriptor is gone would leave, if we stop in
    // between, a published object whose bytes are neither the old data nor absent.
    slots_[slot] = Descriptor{};
    try {
        write_slots(slot, slot);
    } catch (...) {
        slots_[slot] = victim;
        throw;
    }
    if (options.zero) {
        zero_range(*storage_, static_cast<std::uint64_t>(victim.offset),
                   static_cast<std::uint64_t>(victim.size));
    }

    if (victim.is_partition_of(PartType::primary_system)) {
        header_.arch = Arch();
    }
    if (options.compact) {
        header_.data_size -= victim.size_with_padding;
    }
    header_.modified_at = time;
    refresh_free_count();
    write_header();

    if (options.compact) {
        storage_->truncate(truncate_at);
        file_size_ = truncate_at;
    }
}

}  // namespace sifkit::sif
