// The wall clock, in the whole seconds SIF descriptors, OpenPGP signatures and cosign payloads
// record.
#pragma once

#include <cstdint>

namespace sifkit::sif {

// Seconds since the Unix epoch, read from the precise real-time clock. Not time(2): glibc serves
// it from a coarse clock that runs up to a tick behind, so a signature another process stamped a
// moment ago would look as if it were made in the future.
std::int64_t unix_now() noexcept;

}  // namespace sifkit::sif
