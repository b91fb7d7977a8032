#include "disk_space.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {

std::string human_size(std::uint64_t bytes) {
    if (bytes < 1024) {
        return std::to_string(bytes) + " bytes";
    }
    const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(units)) {
        value /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
    return text;
}

namespace {

std::uint64_t available_bytes(const std::string& dir) {
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) != 0) {
        throw_errno("cannot query free space", dir);
    }
    return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

[[noreturn]] void refuse(const std::string& dir, std::uint64_t bytes, std::uint64_t available,
                         const std::string& what) {
    throw Error(ErrorKind::no_space,
                "not enough space for " + what + ": it needs " + human_size(bytes) + ", " +
                    human_size(available) + " available",
                dir);
}

std::string directory_name(const std::filesystem::path& directory) {
    return directory.empty() ? std::string(".") : directory.string();
}

}  // namespace

void check_space(const std::filesystem::path& directory, std::uint64_t bytes,
                 const std::string& what) {
    const std::string dir = directory_name(directory);
    const std::uint64_t available = available_bytes(dir);
    if (available < bytes) {
        refuse(dir, bytes, available, what);
    }
}

void reserve_space(int fd, const std::filesystem::path& directory, std::uint64_t bytes,
                   const std::string& what) {
    const std::string dir = directory_name(directory);
    const std::uint64_t available = available_bytes(dir);
    if (available < bytes) {
        refuse(dir, bytes, available, what);
    }
    if (bytes == 0) {
        return;
    }
    // Reserve the blocks now: another writer filling the disk meanwhile then fails us here,
    // before the copy, rather than halfway through it.
    const int rc = ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(bytes));
    if (rc != 0 && (errno == ENOSPC || errno == EDQUOT)) {
        refuse(dir, bytes, available, what);
    }
    // EOPNOTSUPP and friends: the file system cannot reserve; the check above has to do.
}

void throw_write_error(const std::string& detail, const std::string& file) {
    const int saved = errno;
    if (saved == ENOSPC || saved == EDQUOT) {
        throw Error(ErrorKind::no_space, detail + ": " + std::strerror(saved), file);
    }
    errno = saved;
    throw_errno(detail, file);
}

}  // namespace sifkit::sign::detail
