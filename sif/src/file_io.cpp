#include "sifkit/sif/file_io.hpp"

#include <unistd.h>

#include <limits>

#include "sifkit/sif/error.hpp"

namespace sifkit::sif {
off_t file_offset(std::uint64_t offset, const std::string& file) {
    if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
        throw Error(ErrorKind::invalid_image, "offset beyond the largest file offset", file,
                    offset);
    }
    return static_cast<off_t>(offset);
}

std::size_t read_full_at(int fd, std::uint64_t offset, std::span<std::byte> data,
                         const std::string& file, const std::string& what) {
    std::size_t done = 0;
    while (done < data.size()) {
        const off_t at = file_offset(offset + done, file);
        const ssize_t n =
            retry_on_eintr([&] { return ::pread(fd, data.data() + done, data.size() - done, at); });
        if (n < 0) {
            throw_errno(what, file, offset + done);
        }
        if (n == 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    return done;
}

std::size_t read_full(int fd, std::span<std::byte> data, const std::string& file,
                      const std::string& what) {
    std::size_t done = 0;
    while (done < data.size()) {
        const std::size_t n = read_some(fd, data.subspan(done), file, what);
        if (n == 0) {
            break;
        }
        done += n;
    }
    return done;
}

std::size_t read_some(int fd, std::span<std::byte> data, const std::string& file,
                      const std::string& what) {
    const ssize_t n = retry_on_eintr([&] { return ::read(fd, data.data(), data.size()); });
    if (n < 0) {
        throw_errno(what, file);
    }
    return static_cast<std::size_t>(n);
}

void write_full_at(int fd, std::uint64_t offset, std::span<const std::byte> data,
                   const std::string& file, const std::string& what) {
    std::size_t done = 0;
    while (done < data.size()) {
        const off_t at = file_offset(offset + done, file);
        const ssize_t n = retry_on_eintr(
            [&] { return ::pwrite(fd, data.data() + done, data.size() - done, at); });
        if (n < 0) {
            throw_errno(what, file, offset + done);
        }
        done += static_cast<std::size_t>(n);
    }
}

void write_full(int fd, std::span<const std::byte> data, const std::string& file,
                const std::string& what) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n =
            retry_on_eintr([&] { return ::write(fd, data.data() + done, data.size() - done); });
        if (n < 0) {
            throw_errno(what, file);
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace sifkit::sif
