// Byte sources for new objects.
#include "sifkit/sif/source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"

namespace sifkit::sif {

FileSource::FileSource(const std::filesystem::path& path) : fd_(-1), owned_(true) {
    if (path == "-") {
        fd_ = STDIN_FILENO;
        owned_ = false;
        name_ = "<stdin>";
        return;
    }
    name_ = path.string();
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
        throw_errno("cannot open", name_);
    }
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd_);
        throw Error(ErrorKind::usage, "is a directory, not a file", name_);
    }
}

FileSource::~FileSource() {
    if (owned_ && fd_ >= 0) {
        ::close(fd_);
    }
}

std::size_t FileSource::read(std::span<std::byte> data) {
    // Fill the buffer where possible: pipes deliver little at a time.
    return read_full(fd_, data, name_);
}

std::size_t MemorySource::read(std::span<std::byte> data) {
    const std::size_t n = std::min(data.size(), data_.size() - position_);
    if (n > 0) {
        std::memcpy(data.data(), data_.data() + position_, n);
        position_ += n;
    }
    return n;
}

}  // namespace sifkit::sif
