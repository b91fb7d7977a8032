// Reading object data on demand: exact reads, sequential readers and memory mappings.
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "sifkit/sif/image.hpp"

namespace sifkit::sif {

void Image::read(const Descriptor& descriptor, std::uint64_t offset,
                 std::span<std::byte> data) const {
    const auto size = static_cast<std::uint64_t>(descriptor.size);
    if (offset > size || data.size() > size - offset) {
        throw Error(ErrorKind::usage,
                    "read of " + std::to_string(data.size()) + " bytes at " +
                        std::to_string(offset) + " is past the end of object " +
                        std::to_string(descriptor.id),
                    name());
    }
    storage_->read_exact(static_cast<std::uint64_t>(descriptor.offset) + offset, data);
}

ObjectReader Image::reader(const Descriptor& descriptor) const {
    const auto begin = static_cast<std::uint64_t>(descriptor.offset);
    return ObjectReader(*storage_, begin, begin + static_cast<std::uint64_t>(descriptor.size),
                        name());
}

std::size_t ObjectReader::read(std::span<std::byte> data) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), remaining()));
    if (n == 0) {
        return 0;
    }
    storage_->read_exact(position_, data.first(n));
    position_ += n;
    return n;
}

void Image::copy_to_fd(const Descriptor& descriptor, int fd, const std::string& target) const {
    auto position = static_cast<std::uint64_t>(descriptor.offset);
    std::uint64_t remaining = static_cast<std::uint64_t>(descriptor.size);
    const int source = storage_->native_handle();
    constexpr std::uint64_t kChunk = std::uint64_t{1} << 30;
    // Zero-copy first; sendfile refuses some targets (EINVAL), then fall back to read/write.
    while (source >= 0 && remaining > 0) {
        auto offset = static_cast<off_t>(position);
        const ssize_t n =
            ::sendfile(fd, source, &offset, static_cast<std::size_t>(std::min(remaining, kChunk)));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EINVAL || errno == ENOSYS) {
                break;
            }
            throw_errno("cannot write object " + std::to_string(descriptor.id), target);
        }
        if (n == 0) {
            throw Error(ErrorKind::invalid_image,
                        "file ended inside object " + std::to_string(descriptor.id), name(),
                        position);
        }
        position += static_cast<std::uint64_t>(n);
        remaining -= static_cast<std::uint64_t>(n);
    }
    std::vector<std::byte> buffer(
        static_cast<std::size_t>(std::min<std::uint64_t>(remaining, 1 << 20)));
    while (remaining > 0) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, buffer.size()));
        storage_->read_exact(position, std::span<std::byte>(buffer.data(), n));
        write_full(fd, std::span<const std::byte>(buffer.data(), n), target,
                   "cannot write object " + std::to_string(descriptor.id));
        position += n;
        remaining -= n;
    }
}

Mapping Image::map(const Descriptor& descriptor) const {
    if (descriptor.size == 0) {
        return Mapping(nullptr, 0, {});
    }
    const int fd = storage_->native_handle();
    if (fd < 0) {
        throw Error(ErrorKind::unsupported, "memory mapping needs a file-backed image", name());
    }
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const auto offset = static_cast<std::uint64_t>(descriptor.offset);
    const std::uint64_t aligned = offset - offset % page;
    const auto lead = static_cast<std::size_t>(offset - aligned);
    const std::size_t length = lead + static_cast<std::size_t>(descriptor.size);
    void* base = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(aligned));
    if (base == MAP_FAILED) {
        throw_errno("cannot map object " + std::to_string(descriptor.id), name());
    }
    const auto* first = static_cast<const std::byte*>(base) + lead;
    return Mapping(base, length,
                   std::span<const std::byte>(first, static_cast<std::size_t>(descriptor.size)));
}

Mapping::Mapping(Mapping&& other) noexcept
    : base_(other.base_), length_(other.length_), bytes_(other.bytes_) {
    other.base_ = nullptr;
    other.length_ = 0;
    other.bytes_ = {};
}

Mapping& Mapping::operator=(Mapping&& other) noexcept {
    if (this != &other) {
        if (base_ != nullptr) {
            ::munmap(base_, length_);
        }
        base_ = other.base_;
        length_ = other.length_;
        bytes_ = other.bytes_;
        other.base_ = nullptr;
        other.length_ = 0;
        other.bytes_ = {};
    }
    return *this;
}

Mapping::~Mapping() {
    if (base_ != nullptr) {
        ::munmap(base_, length_);
    }
}

}  // namespace sifkit::sif
