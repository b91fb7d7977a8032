#include "staging.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <vector>

#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/sha256.hpp"

namespace sifkit::rootfs {

namespace fs = std::filesystem;

StagingDirectory::StagingDirectory(fs::path destination, bool overwrite)
    : destination_(sif::atomic_output_path(destination)), overwrite_(overwrite) {
    std::error_code ec;
    if (fs::symlink_status(destination_, ec).type() != fs::file_type::not_found && !overwrite_) {
        throw Error(ErrorKind::conflict, "destination exists (use --force to replace it)",
                    destination_.string());
    }
    const fs::path parent = destination_.has_parent_path() ? destination_.parent_path() : ".";
    std::random_device random;
    temporary_ =
        parent / ("." + destination_.filename().string() + ".sifkit-" + std::to_string(random()));
    if (::mkdir(temporary_.c_str(), 0755) != 0) {
        throw_errno("cannot create a temporary directory", temporary_.string());
    }
}

StagingDirectory::~StagingDirectory() {
    if (!committed_) {
        remove_tree(temporary_);
    }
}

void StagingDirectory::commit() {
    std::error_code ec;
    if (fs::symlink_status(destination_, ec).type() != fs::file_type::not_found) {
        if (!overwrite_) {
            throw Error(ErrorKind::conflict, "destination exists", destination_.string());
        }
        remove_tree(destination_);
    }
    if (::rename(temporary_.c_str(), destination_.c_str()) != 0) {
        throw_errno("cannot rename the output into place", destination_.string());
    }
    committed_ = true;
}

void remove_tree(const fs::path& path) noexcept {
    std::error_code ec;
    if (fs::symlink_status(path, ec).type() == fs::file_type::directory) {
        for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
             it.increment(ec)) {
            if (it->is_directory(ec) && !it->is_symlink(ec)) {
                fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
            }
        }
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::remove_all(path, ec);
}

void write_whole_file(const fs::path& path, std::string_view data) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw_errno("cannot create", path.string());
    }
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int saved = errno;
            ::close(fd);
            errno = saved;
            throw_errno("cannot write", path.string());
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::close(fd) != 0) {
        throw_errno("cannot write", path.string());
    }
}

std::uint64_t read_file_chunks(const fs::path& path,
                               const std::function<void(std::span<const std::byte>)>& sink) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw_errno("cannot open", path.string());
    }
    std::vector<std::byte> buffer(1 << 20);
    std::uint64_t size = 0;
    try {
        while (true) {
            const ssize_t n = ::read(fd, buffer.data(), buffer.size());
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                throw_errno("cannot read", path.string());
            }
            if (n == 0) {
                break;
            }
            sink(std::span<const std::byte>(buffer.data(), static_cast<std::size_t>(n)));
            size += static_cast<std::uint64_t>(n);
        }
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    return size;
}

std::pair<std::string, std::uint64_t> digest_file(const fs::path& path) {
    sif::Sha256 hasher;
    const std::uint64_t size =
        read_file_chunks(path, [&](std::span<const std::byte> chunk) { hasher.update(chunk); });
    return {hasher.finish(), size};
}

}  // namespace sifkit::rootfs
