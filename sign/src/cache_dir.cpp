#include "cache_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {
namespace {

constexpr mode_t kOthersWrite = S_IWGRP | S_IWOTH;

[[noreturn]] void unsafe(const std::filesystem::path& dir, const std::string& why) {
    throw Error(ErrorKind::usage, "unsafe cache directory: " + why, dir.string());
}

}  // namespace

std::filesystem::path open_private_directory(const std::filesystem::path& dir) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        throw_errno("cannot create the cache directory", dir.string());
    }
    std::error_code ec;
    const std::filesystem::path real = std::filesystem::canonical(dir, ec);
    if (ec) {
        throw Error(ErrorKind::io, "cannot resolve the cache directory: " + ec.message(),
                    dir.string());
    }
    const uid_t me = ::geteuid();
    for (std::filesystem::path p = real;; p = p.parent_path()) {
        struct stat info {};
        if (::lstat(p.c_str(), &info) != 0) {
            throw_errno("cannot check the cache directory", p.string());
        }
        if (!S_ISDIR(info.st_mode)) {
            unsafe(p, "not a directory");
        }
        if (p == real) {
            if (info.st_uid != me) {
                unsafe(p, "owned by uid " + std::to_string(info.st_uid) + ", not by uid " +
                              std::to_string(me) + " who stages");
            }
            if ((info.st_mode & kOthersWrite) != 0) {
                unsafe(p, "writable by group or others (chmod go-w)");
            }
        } else {
            if (info.st_uid != 0 && info.st_uid != me) {
                unsafe(p, "a parent directory owned by uid " + std::to_string(info.st_uid));
            }
            if ((info.st_mode & kOthersWrite) != 0 && (info.st_mode & S_ISVTX) == 0) {
                unsafe(p, "a parent directory writable by others and not sticky");
            }
        }
        if (p == p.root_path()) {
            break;
        }
    }
    return real;
}

LockFile::LockFile(const std::filesystem::path& path, const std::function<void()>& on_wait) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0) {
        throw_errno("cannot open the lock file", path.string());
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
        return;
    }
    if (errno != EWOULDBLOCK) {
        const int saved = errno;
        ::close(fd_);
        errno = saved;
        throw_errno("cannot lock", path.string());
    }
    waited_ = true;
    if (on_wait) {
        on_wait();
    }
    while (::flock(fd_, LOCK_EX) != 0) {
        if (errno != EINTR) {
            const int saved = errno;
            ::close(fd_);
            errno = saved;
            throw_errno("cannot lock", path.string());
        }
    }
}

LockFile::~LockFile() {
    ::close(fd_);  // releases the lock
}

std::optional<std::string> read_own_file(const std::filesystem::path& path, std::size_t limit) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return std::nullopt;
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_uid != ::geteuid() ||
        static_cast<std::uint64_t>(info.st_size) > limit) {
        return std::nullopt;
    }
    std::string text(static_cast<std::size_t>(info.st_size), '\0');
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n =
            ::pread(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return std::nullopt;
        }
        done += static_cast<std::size_t>(n);
    }
    return text;
}

void remove_stale_temporaries(const std::filesystem::path& destination) noexcept {
    const std::string prefix = "." + destination.filename().string() + ".sifkit-";
    std::error_code ec;
    std::filesystem::directory_iterator it(destination.parent_path(), ec);
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        if (it->path().filename().string().starts_with(prefix)) {
            std::error_code ignored;
            std::filesystem::remove(it->path(), ignored);
        }
    }
}

}  // namespace sifkit::sign::detail
