#include "byte_sources.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"

namespace sifkit::oci2sif {

std::shared_ptr<SharedFile> SharedFile::open(const std::filesystem::path& path) {
    const std::string name = path.string();
    sif::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        throw_errno("cannot open", name);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        throw_errno("cannot stat", name);
    }
    if (S_ISDIR(st.st_mode)) {
        // A directory is a path that names the wrong thing: the same line and exit code as a
        // missing one, with the reason.
        errno = EISDIR;
        throw_errno("cannot open", name);
    }
    if (!S_ISREG(st.st_mode)) {
        throw Error(ErrorKind::invalid_input, "not a regular file", name);
    }
    // Large sequential reads: tell the kernel so it reads ahead aggressively.
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::shared_ptr<SharedFile>(
        new SharedFile(std::move(fd), static_cast<std::uint64_t>(st.st_size), name));
}

std::size_t SharedFile::read_at(std::uint64_t offset, std::span<std::byte> data) const {
    return sif::read_full_at(fd_.get(), offset, data, name_);
}

RangeSource::RangeSource(std::shared_ptr<const SharedFile> file, std::uint64_t begin,
                         std::uint64_t length, std::string name)
    : file_(std::move(file)), begin_(begin), length_(length), name_(std::move(name)) {}

std::size_t RangeSource::read(std::span<std::byte> data) {
    const std::uint64_t left = length_ - position_;
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, data.size()));
    if (want == 0) {
        return 0;
    }
    const std::size_t got = file_->read_at(begin_ + position_, data.first(want));
    if (got == 0) {
        throw Error(ErrorKind::invalid_input,
                    "truncated: ends after " + std::to_string(position_) + " of " +
                        std::to_string(length_) + " bytes",
                    name_);
    }
    position_ += got;
    return got;
}

std::size_t HashingSource::read(std::span<std::byte> data) {
    const std::size_t n = inner_->read(data);
    hasher_.update(data.first(n));
    count_ += n;
    return n;
}

std::uint64_t drain(sif::ByteSource& source) {
    std::vector<std::byte> buffer(1 << 16);
    std::uint64_t total = 0;
    while (const std::size_t n = source.read(buffer)) {
        total += n;
    }
    return total;
}

}  // namespace sifkit::oci2sif
