#include "archive_output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"

namespace sifkit::rootfs {

ArchiveOutput::ArchiveOutput(int fd, std::string target, std::string what)
    : archive_(archive_write_new()), fd_(fd), target_(std::move(target)), what_(std::move(what)) {
    if (archive_ == nullptr) {
        throw std::bad_alloc();
    }
    check(archive_write_set_format_pax_restricted(get()), "format");
    // No padding to a 10 KiB record: the stream ends after its two zero blocks, as tar2sqfs
    // input and OCI layers expect, and the bytes do not depend on a block size.
    check(archive_write_set_bytes_per_block(get(), 0), "block size");
    check(archive_write_open2(get(), this, nullptr, &ArchiveOutput::write, nullptr, nullptr),
          "open");
}

la_ssize_t ArchiveOutput::write(archive*, void* self, const void* buffer, std::size_t size) {
    auto& out = *static_cast<ArchiveOutput*>(self);
    const auto* bytes = static_cast<const char*>(buffer);
    std::size_t done = 0;
    // Not sif::write_full: libarchive's callback must not throw; the errno is kept for check().
    while (out.error_ == 0 && done < size) {
        const ssize_t n =
            sif::retry_on_eintr([&] { return ::write(out.fd_, bytes + done, size - done); });
        if (n <= 0) {
            out.error_ = n < 0 ? errno : EIO;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    return static_cast<la_ssize_t>(size);  // see the header: the failure is reported by check()
}

void ArchiveOutput::check(int status, const std::string& item) const {
    if (error_ != 0) {
        throw Error(ErrorKind::io,
                    "cannot write " + what_ + " (" + item + "): " + std::strerror(error_), target_);
    }
    if (status < ARCHIVE_WARN) {
        const char* message = archive_error_string(get());
        throw Error(archive_errno(get()) != 0 ? ErrorKind::io : ErrorKind::internal,
                    "cannot write " + what_ + " (" + item +
                        "): " + (message != nullptr ? message : "unknown error"),
                    target_);
    }
}

void ArchiveOutput::close() {
    check(archive_write_close(get()), "close");
}

}  // namespace sifkit::rootfs
