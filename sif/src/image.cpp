// Image lifetime and the two primitive writes every update is built from.
#include "sifkit/sif/image.hpp"

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

void Image::write_slot(std::size_t slot) {
    const auto bytes = slots_[slot].encode();
    storage_->write_at(
        static_cast<std::uint64_t>(header_.descriptors_offset) + slot * kDescriptorSize, bytes);
}

void Image::refresh_free_count() noexcept {
    header_.descriptors_free = static_cast<std::int64_t>(free_slots());
}

void Image::sync() {
    storage_->sync();
}

}  // namespace sifkit::sif
