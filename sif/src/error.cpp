#include "sifkit/sif/error.hpp"

#include <cerrno>
#include <cstring>

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

}  // namespace sifkit
