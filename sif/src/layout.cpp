// Structural validation of loaded images. The reference library trusts every field; sifkit
// refuses an image whose layout would make a reader or a writer step outside its objects, so
// that hostile files fail with a clear message instead of reading or clobbering the wrong bytes.
#include "layout.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "sifkit/sif/error.hpp"

namespace sifkit::sif::detail {
namespace {

constexpr auto kMaxOffset = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

[[noreturn]] void fail(const std::string& file, const std::string& what,
                       std::optional<std::uint64_t> offset = std::nullopt) {
    throw Error(ErrorKind::invalid_image, what, file, offset);
}

std::string printable(const std::array<char, 3>& field) {
    std::string out;
    for (char c : field) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7F) {
            out += c;
        } else {
            const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xF];
        }
    }
    return out;
}

std::string slot_label(std::size_t index, const Descriptor& d) {
    return "descriptor " + std::to_string(index) + " (object " + std::to_string(d.id) + ")";
}

struct Range {
    std::uint64_t begin;
    std::uint64_t end;
    std::size_t slot;
};

}  // namespace

std::uint64_t next_aligned(std::uint64_t offset, std::uint64_t alignment) noexcept {
    if (alignment != 0 && offset % alignment != 0) {
        offset = (offset & ~(alignment - 1)) + alignment;
    }
    return offset;
}

std::uint64_t table_bytes(const Header& header) noexcept {
    return static_cast<std::uint64_t>(header.descriptors_total) * kDescriptorSize;
}

void validate_header(const Header& header, std::uint64_t file_size, const std::string& file) {
    if (header.magic != kMagic) {
        fail(file, "not a SIF image (no SIF_MAGIC at offset 32)");
    }
    if (header.version != kVersion) {
        fail(file, "unsupported SIF version \"" + printable(header.version) +
                       "\" (sifkit reads version 01)");
    }
    if (header.descriptors_total < 0) {
        fail(file, "negative descriptor count " + std::to_string(header.descriptors_total));
    }
    // No cap on the count itself (the reference has none): the table must fit in the file,
    // which bounds what a load reads and holds. Counts whose table size overflows are refused
    // here, before table_bytes() multiplies.
    if (static_cast<std::uint64_t>(header.descriptors_total) > kMaxOffset / kDescriptorSize) {
        fail(file, "absurd descriptor count " + std::to_string(header.descriptors_total) +
                       " (its table would not fit in any file)");
    }
    if (header.descriptors_offset < static_cast<std::int64_t>(kHeaderSize)) {
        fail(file, "descriptor table offset " + std::to_string(header.descriptors_offset) +
                       " overlaps the 128-byte header");
    }
    const std::uint64_t table = table_bytes(header);
    if (header.descriptors_size < 0 ||
        static_cast<std::uint64_t>(header.descriptors_size) < table) {
        fail(file, "descriptor table size " + std::to_string(header.descriptors_size) +
                       " is too small for " + std::to_string(header.descriptors_total) +
                       " descriptors");
    }
    const auto table_offset = static_cast<std::uint64_t>(header.descriptors_offset);
    if (table_offset > kMaxOffset - table || table_offset + table > file_size) {
        fail(file, "descriptor table (" + std::to_string(header.descriptors_total) +
                       " slots at offset " + std::to_string(table_offset) +
                       ") extends past the end of the file (" + std::to_string(file_size) +
                       " bytes)");
    }
    if (header.data_offset < 0 || header.data_size < 0) {
        fail(file, "negative data section offset or size");
    }
    if (static_cast<std::uint64_t>(header.data_offset) >
        kMaxOffset - static_cast<std::uint64_t>(header.data_size)) {
        fail(file, "data section offset + size overflows");
    }
}

void validate_objects(const Header& header, const std::vector<Descriptor>& slots,
                      std::uint64_t file_size, const std::string& file) {
    const auto table_begin = static_cast<std::uint64_t>(header.descriptors_offset);
    const std::uint64_t table_end = table_begin + table_bytes(header);
    const auto data_end = static_cast<std::uint64_t>(header.data_end());

    std::unordered_map<std::uint32_t, std::size_t> seen_ids;
    std::vector<Range> ranges;
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const Descriptor& d = slots[i];
        if (!d.used) {
            continue;
        }
        const auto descriptor_at = table_begin + i * kDescriptorSize;
        if (d.id == 0) {
            fail(file, "descriptor " + std::to_string(i) + " is used but has object ID 0",
                 descriptor_at);
        }
        if (auto [it, inserted] = seen_ids.emplace(d.id, i); !inserted) {
            fail(file,
                 "descriptors " + std::to_string(it->second) + " and " + std::to_string(i) +
                     " both have object ID " + std::to_string(d.id),
                 descriptor_at);
        }
        if (d.offset < 0 || d.size < 0) {
            fail(file, slot_label(i, d) + " has a negative offset or size", descriptor_at);
        }
        const auto begin = static_cast<std::uint64_t>(d.offset);
        const auto size = static_cast<std::uint64_t>(d.size);
        if (begin > kMaxOffset - size) {
            fail(file, slot_label(i, d) + ": offset + size overflows", descriptor_at);
        }
        const std::uint64_t end = begin + size;
        // An empty object occupies no bytes: the reference writes nothing for it, so when its
        // alignment puts it past the end of the file, the file is not extended. Only the data
        // section has to account for it.
        if (size != 0 && end > file_size) {
            fail(file,
                 slot_label(i, d) + " (offset " + std::to_string(begin) + ", size " +
                     std::to_string(size) + ") extends past the end of the file (" +
                     std::to_string(file_size) + " bytes)",
                 descriptor_at);
        }
        if (end > data_end) {
            fail(file,
                 slot_label(i, d) + " ends at " + std::to_string(end) +
                     ", after the end of the data section (" + std::to_string(data_end) + ")",
                 descriptor_at);
        }
        if (size == 0) {
            continue;  // an empty object occupies no bytes and cannot overlap anything
        }
        if (begin < kHeaderSize) {
            fail(file, slot_label(i, d) + " overlaps the global header", descriptor_at);
        }
        if (begin < table_end && end > table_begin) {
            fail(file, slot_label(i, d) + " overlaps the descriptor table", descriptor_at);
        }
        ranges.push_back(Range{begin, end, i});
    }

    std::sort(ranges.begin(), ranges.end(),
              [](const Range& a, const Range& b) { return a.begin < b.begin; });
    for (std::size_t k = 1; k < ranges.size(); ++k) {
        if (ranges[k].begin < ranges[k - 1].end) {
            const Descriptor& a = slots[ranges[k - 1].slot];
            const Descriptor& b = slots[ranges[k].slot];
            fail(file, "objects " + std::to_string(a.id) + " and " + std::to_string(b.id) +
                           " overlap (bytes " + std::to_string(ranges[k].begin) + " to " +
                           std::to_string(std::min(ranges[k].end, ranges[k - 1].end)) + ")");
        }
    }
}

}  // namespace sifkit::sif::detail
