#include "sifkit/sif/clock.hpp"

#include <chrono>

namespace sifkit::sif {

std::int64_t unix_now() noexcept {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
}

}  // namespace sifkit::sif
