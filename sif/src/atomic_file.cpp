// Temporary-file-and-rename outputs, with a registry of pending temporary files that a signal
// handler can clean up.
#include "sifkit/sif/atomic_file.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>

#include "sifkit/sif/error.hpp"

namespace sifkit::sif {
namespace {

// Fixed-size, lock-free registry: a signal handler may only touch plain memory and call unlink.
constexpr std::size_t kRegistrySlots = 32;
std::array<std::array<char, PATH_MAX>, kRegistrySlots> g_pending_paths{};
std::array<std::atomic<bool>, kRegistrySlots> g_pending_used{};

int register_pending(const std::string& path) noexcept {
    if (path.size() >= PATH_MAX) {
        return -1;
    }
    for (std::size_t i = 0; i < kRegistrySlots; ++i) {
        bool expected = false;
        if (g_pending_used[i].compare_exchange_strong(expected, true)) {
            std::memcpy(g_pending_paths[i].data(), path.c_str(), path.size() + 1);
            return static_cast<int>(i);
        }
    }
    return -1;  // more than kRegistrySlots live outputs: the extra ones are not signal-safe
}

void unregister_pending(int slot) noexcept {
    if (slot >= 0) {
        g_pending_used[static_cast<std::size_t>(slot)].store(false);
    }
}

mode_t current_umask() noexcept {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}

void sync_directory(const std::filesystem::path& dir) noexcept {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);  // best effort: some file systems refuse fsync on directories
        ::close(fd);
    }
}

}  // namespace

std::filesystem::path atomic_output_path(const std::filesystem::path& destination) {
    const std::string& text = destination.native();
    if (text.empty()) {
        throw Error(ErrorKind::usage, "the output path is empty");
    }
    const std::size_t last = text.find_last_not_of('/');
    if (last == std::string::npos) {
        throw Error(ErrorKind::usage,
                    "the root directory cannot be an output: a rename cannot replace it", text);
    }
    std::filesystem::path path(text.substr(0, last + 1));
    if (path.filename() == "." || path.filename() == "..") {
        throw Error(ErrorKind::usage,
                    "a path ending in \".\" or \"..\" cannot be an output: a rename cannot "
                    "replace the current or parent directory; name a new entry, such as "
                    "DIR/rootfs",
                    text);
    }
    return path;
}

AtomicFile::AtomicFile(std::filesystem::path destination, Overwrite overwrite, mode_t mode)
    : destination_(std::move(destination)), overwrite_(overwrite), mode_(mode & ~current_umask()) {
    atomic_output_path(destination_);  // refuses "", "/", "." and ".." whatever follows
    if (destination_.filename().empty()) {
        throw Error(ErrorKind::usage, "output path names a directory", destination_.string());
    }
    std::error_code ec;
    const auto status = std::filesystem::symlink_status(destination_, ec);
    if (!ec && std::filesystem::exists(status)) {
        if (std::filesystem::is_directory(status)) {
            throw Error(ErrorKind::conflict, "output path is a directory", destination_.string());
        }
        if (overwrite_ == Overwrite::refuse) {
            throw Error(ErrorKind::conflict, "already exists (use --force to replace it)",
                        destination_.string());
        }
    }
    const std::filesystem::path dir =
        destination_.has_parent_path() ? destination_.parent_path() : std::filesystem::path(".");
    std::string pattern =
        (dir / ("." + destination_.filename().string() + ".sifkit-XXXXXX")).string();
    fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd_ < 0) {
        throw_errno("cannot create a temporary file in " + dir.string(), destination_.string());
    }
    temporary_ = pattern;
    registry_slot_ = register_pending(pattern);
}

AtomicFile::~AtomicFile() {
    if (!committed_) {
        discard();
    }
}

std::unique_ptr<FileStorage> AtomicFile::storage() const {
    const int copy = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        throw_errno("cannot duplicate descriptor of", temporary_.string());
    }
    return FileStorage::adopt(copy, destination_.string());
}

void AtomicFile::commit() {
    if (committed_) {
        return;
    }
    const std::string dest = destination_.string();
    if (::fchmod(fd_, mode_) != 0) {
        throw_errno("cannot set the mode of", dest);
    }
    if (::fsync(fd_) != 0) {
        throw_errno("cannot flush to disk", dest);
    }
    if (overwrite_ == Overwrite::replace) {
        if (::rename(temporary_.c_str(), destination_.c_str()) != 0) {
            throw_errno("cannot rename the temporary file into place", dest);
        }
    } else if (::renameat2(AT_FDCWD, temporary_.c_str(), AT_FDCWD, destination_.c_str(),
                           RENAME_NOREPLACE) != 0) {
        if (errno == EEXIST) {
            throw Error(ErrorKind::conflict, "already exists (use --force to replace it)", dest);
        }
        if (errno != EINVAL && errno != ENOSYS) {
            throw_errno("cannot rename the temporary file into place", dest);
        }
        // File systems without RENAME_NOREPLACE: link() refuses to replace as well.
        if (::link(temporary_.c_str(), destination_.c_str()) != 0) {
            if (errno == EEXIST) {
                throw Error(ErrorKind::conflict, "already exists (use --force to replace it)",
                            dest);
            }
            throw_errno("cannot link the temporary file into place", dest);
        }
        ::unlink(temporary_.c_str());
    }
    committed_ = true;
    unregister_pending(registry_slot_);
    registry_slot_ = -1;
    ::close(fd_);
    fd_ = -1;
    sync_directory(destination_.has_parent_path() ? destination_.parent_path()
                                                  : std::filesystem::path("."));
}

void AtomicFile::discard() noexcept {
    if (!temporary_.empty()) {
        ::unlink(temporary_.c_str());
    }
    unregister_pending(registry_slot_);
    registry_slot_ = -1;
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void remove_pending_temporary_files() noexcept {
    for (std::size_t i = 0; i < kRegistrySlots; ++i) {
        if (g_pending_used[i].load()) {
            ::unlink(g_pending_paths[i].data());
        }
    }
}

}  // namespace sifkit::sif
