// File-backed storage: pread/pwrite with retries on EINTR and short transfers.
#include "sifkit/sif/storage.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "update_locks.hpp"

namespace sifkit::sif {

void Storage::read_exact(std::uint64_t offset, std::span<std::byte> data) {
    const std::size_t got = read_at(offset, data);
    if (got != data.size()) {
        throw Error(ErrorKind::invalid_image,
                    "file is truncated: wanted " + std::to_string(data.size()) + " bytes, found " +
                        std::to_string(got),
                    name(), offset);
    }
}

std::unique_ptr<FileStorage> FileStorage::open(const std::filesystem::path& path, OpenMode mode) {
    const int flags = (mode == OpenMode::read_write ? O_RDWR : O_RDONLY) | O_CLOEXEC;
    const int fd = ::open(path.c_str(), flags);
    if (fd < 0) {
        throw_errno("cannot open", path.string());
    }
    auto storage = std::unique_ptr<FileStorage>(new FileStorage(fd, path.string()));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        throw_errno("cannot stat", storage->name_);
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        throw Error(ErrorKind::invalid_image, "not a regular file", storage->name_);
    }
    if (mode == OpenMode::read_write) {
        detail::claim_update(st.st_dev, st.st_ino, storage->name_);
        storage->holds_update_ = true;
        storage->device_ = st.st_dev;
        storage->inode_ = st.st_ino;
        // Blocks while another sifkit process updates the same image.
        if (retry_on_eintr([fd] { return ::flock(fd, LOCK_EX); }) != 0) {
            throw_errno("cannot lock for update", storage->name_);
        }
    }
    return storage;
}

std::unique_ptr<FileStorage> FileStorage::adopt(int fd, std::string name) {
    return std::unique_ptr<FileStorage>(new FileStorage(fd, std::move(name)));
}

FileStorage::~FileStorage() {
    if (fd_ >= 0) {
        ::close(fd_);  // drops the flock
    }
    if (holds_update_) {
        detail::release_update(static_cast<dev_t>(device_), static_cast<ino_t>(inode_));
    }
}

std::uint64_t FileStorage::size() {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        throw_errno("cannot stat", name_);
    }
    if (S_ISBLK(st.st_mode)) {
        const off_t end = ::lseek(fd_, 0, SEEK_END);
        if (end < 0) {
            throw_errno("cannot find the size of", name_);
        }
        return static_cast<std::uint64_t>(end);
    }
    return static_cast<std::uint64_t>(st.st_size);
}

std::size_t FileStorage::read_at(std::uint64_t offset, std::span<std::byte> data) {
    return read_full_at(fd_, offset, data, name_);
}

void FileStorage::write_at(std::uint64_t offset, std::span<const std::byte> data) {
    write_full_at(fd_, offset, data, name_);
}

void FileStorage::truncate(std::uint64_t size) {
    if (::ftruncate(fd_, file_offset(size, name_)) != 0) {
        throw_errno("cannot truncate", name_, size);
    }
}

void FileStorage::sync() {
    if (::fsync(fd_) != 0 && errno != EINVAL) {
        throw_errno("cannot flush to disk", name_);
    }
}

}  // namespace sifkit::sif
