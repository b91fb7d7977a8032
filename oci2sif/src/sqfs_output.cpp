#include "sqfs_output.hpp"

#include <sqfs/error.h>

#include <algorithm>
#include <functional>
#include <utility>

#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {

SqfsOutput::SqfsOutput(sif::ObjectWriter& writer) : writer_(&writer) {
    file_.base.base.destroy = &SqfsOutput::destroy;
    file_.base.base.copy = nullptr;
    file_.base.read_at = &SqfsOutput::read_at;
    file_.base.write_at = &SqfsOutput::write_at;
    file_.base.get_size = &SqfsOutput::get_size;
    file_.base.truncate = &SqfsOutput::truncate;
    file_.owner = this;
}

SqfsOutput& SqfsOutput::owner(const sqfs_file_t* file) {
    // The sqfs_file_t is the first member of File, so the pointer converts back.
    return *reinterpret_cast<const File*>(file)->owner;
}

int SqfsOutput::guard(const std::function<void()>& action) noexcept {
    try {
        const std::lock_guard lock(mutex_);
        action();
        return 0;
    } catch (...) {
        error_ = std::current_exception();
        return SQFS_ERROR_IO;
    }
}

int SqfsOutput::read_at(sqfs_file_t* file, sqfs_u64 offset, void* buffer, size_t size) {
    SqfsOutput& self = owner(file);
    return self.guard([&] {
        auto* bytes = static_cast<std::byte*>(buffer);
        if (self.discarding_) {
            std::fill_n(bytes, size, std::byte{0});
            return;
        }
        if (self.writer_->read_at(offset, std::span<std::byte>(bytes, size)) != size) {
            throw Error(ErrorKind::internal, "squashfs read past the end of the partition");
        }
    });
}

int SqfsOutput::write_at(sqfs_file_t* file, sqfs_u64 offset, const void* buffer, size_t size) {
    SqfsOutput& self = owner(file);
    return self.guard([&] {
        if (self.discarding_) {
            return;
        }
        self.writer_->write_at(
            offset, std::span<const std::byte>(static_cast<const std::byte*>(buffer), size));
    });
}

sqfs_u64 SqfsOutput::get_size(const sqfs_file_t* file) {
    return owner(file).writer_->size();
}

int SqfsOutput::truncate(sqfs_file_t* file, sqfs_u64 size) {
    SqfsOutput& self = owner(file);
    return self.guard([&] {
        if (!self.discarding_) {
            self.writer_->truncate(size);
        }
    });
}

void SqfsOutput::fail(const std::string& fallback) {
    if (error_) {
        std::rethrow_exception(std::exchange(error_, nullptr));
    }
    throw Error(ErrorKind::internal, fallback);
}

}  // namespace sifkit::oci2sif
