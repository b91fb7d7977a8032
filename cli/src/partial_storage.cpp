#include "partial_storage.hpp"

#include <algorithm>
#include <cstring>

#include "sifkit/sif/error.hpp"

namespace sifkit::cli {

std::size_t PartialStorage::read_at(std::uint64_t offset, std::span<std::byte> data) {
    if (offset >= size_) {
        return 0;
    }
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), size_ - offset));
    std::fill_n(data.begin(), n, std::byte{0});
    const std::uint64_t end = offset + n;
    for (const auto& [start, bytes] : ranges_) {
        const std::uint64_t stop = start + bytes.size();
        const std::uint64_t from = std::max(start, offset);
        const std::uint64_t to = std::min(stop, end);
        if (from < to) {
            std::memcpy(data.data() + (from - offset), bytes.data() + (from - start),
                        static_cast<std::size_t>(to - from));
        }
    }
    return n;
}

void PartialStorage::write_at(std::uint64_t, std::span<const std::byte>) {
    throw Error(ErrorKind::internal, "a partially fetched image is read-only", name_);
}

void PartialStorage::truncate(std::uint64_t) {
    throw Error(ErrorKind::internal, "a partially fetched image is read-only", name_);
}

}  // namespace sifkit::cli
