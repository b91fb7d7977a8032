// Image lifetime and the two primitive writes every update is built from: the header, and a
// range of table slots in one write.
#include "sifkit/sif/image.hpp"

#include <algorithm>
#include <vector>

#include "layout.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::sif {

Image::Image(std::unique_ptr<Storage> storage, OpenMode mode)
    : storage_(std::move(storage)), mode_(mode) {}

Image::Image(Image&& other) noexcept = default;
Image& Image::operator=(Image&& other) noexcept = default;
Image::~Image() = default;

const std::string& Image::name() const noexcept {
    return storage_->name();
}

void Image::require_writable(const char* operation) const {
    if (mode_ != OpenMode::read_write) {
        throw Error(ErrorKind::usage,
                    std::string("cannot ") + operation + ": image is open read-only", name());
    }
    if (writer_active_) {
        throw Error(ErrorKind::usage,
                    std::string("cannot ") + operation + ": another object is being written",
                    name());
    }
}

void Image::write_header() {
    const auto bytes = header_.encode();
    storage_->write_at(0, bytes);
}

void Image::write_slots(std::size_t first, std::size_t last) {
    std::vector<std::byte> table((last - first + 1) * kDescriptorSize);
    for (std::size_t i = first; i <= last; ++i) {
        const auto bytes = slots_[i].encode();
        std::copy(bytes.begin(), bytes.end(),
                  table.begin() + static_cast<std::ptrdiff_t>((i - first) * kDescriptorSize));
    }
    storage_->write_at(
        static_cast<std::uint64_t>(header_.descriptors_offset) + first * kDescriptorSize, table);
}

void Image::refresh_free_count() noexcept {
    header_.descriptors_free = static_cast<std::int64_t>(free_slots());
}

void Image::sync() {
    storage_->sync();
}

}  // namespace sifkit::sif
