#include "sifkit/sif/unique_fd.hpp"

#include <unistd.h>

namespace sifkit::sif {

void UniqueFd::reset() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

}  // namespace sifkit::sif
