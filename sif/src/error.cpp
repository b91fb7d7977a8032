#include "sifkit/sif/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sifkit/sif/unique_fd.hpp"

namespace sifkit {

const char* to_string(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::usage:
            return "usage";
        case ErrorKind::io:
            return "io";
        case ErrorKind::invalid_image:
            return "invalid_image";
        case ErrorKind::invalid_input:
            return "invalid_input";
        case ErrorKind::not_found:
            return "not_found";
        case ErrorKind::conflict:
            return "conflict";
        case ErrorKind::unsupported:
            return "unsupported";
        case ErrorKind::denied:
            return "denied";
        case ErrorKind::no_space:
            return "no_space";
        case ErrorKind::internal:
            return "internal";
    }
    return "internal";
}

Error::Error(ErrorKind kind, std::string detail, std::string file,
             std::optional<std::uint64_t> offset)
    : kind_(kind), detail_(std::move(detail)), file_(std::move(file)), offset_(offset) {
    format();
}

Error Error::with_file(std::string file) const {
    return Error(kind_, detail_, std::move(file), offset_);
}

void Error::format() {
    message_.clear();
    if (!file_.empty()) {
        message_ += file_;
        message_ += ": ";
    }
    if (offset_) {
        message_ += "offset " + std::to_string(*offset_) + ": ";
    }
    message_ += detail_;
    // One line, always: control characters from file names or data must not break it.
    for (char& c : message_) {
        if (c == '\n' || c == '\r') {
            c = ' ';
        }
    }
}

void throw_errno(const std::string& detail, const std::string& file,
                 std::optional<std::uint64_t> offset) {
    const int saved = errno;
    throw Error(ErrorKind::io, detail + ": " + std::strerror(saved), file, offset);
}

namespace {

// Opens `path` read-only (O_DIRECTORY when a directory is wanted) and checks its type; throws
// the "cannot open" Error with the reason.
void require_readable(const std::string& path, bool directory) {
    const sif::UniqueFd fd(
        ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | (directory ? O_DIRECTORY : 0)));
    if (!fd) {
        throw_errno("cannot open", path);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        throw_errno("cannot open", path);
    }
    if (!directory && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        throw_errno("cannot open", path);
    }
    if (!directory && !S_ISREG(st.st_mode)) {
        throw Error(ErrorKind::io, "cannot open: not a regular file", path);
    }
}

}  // namespace

void require_readable_directory(const std::string& path) {
    require_readable(path, true);
}

void require_readable_file(const std::string& path) {
    require_readable(path, false);
}

}  // namespace sifkit
