// An owned file descriptor, closed when its owner goes away. The modules open files with
// open(2)/openat(2) where they need flags the standard streams lack (O_NOFOLLOW, O_DIRECTORY,
// descriptors handed to libcurl, sendfile or libarchive).
#pragma once

#include <utility>

namespace sifkit::sif {

class UniqueFd {
  public:
    explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        reset();
        fd_ = std::exchange(other.fd_, -1);
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    // Closes the descriptor now (errors of close(2) are of no use to the caller here).
    void reset() noexcept;
    // Gives the descriptor up, for a caller that closes it itself to see close(2)'s error.
    int release() noexcept { return std::exchange(fd_, -1); }

  private:
    int fd_;
};

}  // namespace sifkit::sif
