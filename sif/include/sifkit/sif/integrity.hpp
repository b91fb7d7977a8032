// The bytes the reference signer digests (format §9.2). Signing and verification code uses
// these functions instead of re-deriving the layouts, so there is one definition of what a
// signature covers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "sifkit/sif/descriptor.hpp"
#include "sifkit/sif/header.hpp"

namespace sifkit::sif {

inline constexpr std::size_t kHeaderDigestInputSize = 61;
inline constexpr std::size_t kDescriptorDigestInputSize = 557;

// launch script ‖ magic ‖ version ‖ UUID. Arch, times, counts and offsets are not covered.
std::array<std::byte, kHeaderDigestInputSize> header_digest_input(const Header& header) noexcept;

// datatype ‖ used ‖ relative ID ‖ link ‖ size ‖ ctime ‖ uid ‖ gid ‖ name ‖ extra. The absolute ID,
// group, offset, padding and mtime are not covered. `relative_id` comes from
// Image::relative_id().
std::array<std::byte, kDescriptorDigestInputSize> descriptor_digest_input(
    const Descriptor& descriptor, std::uint32_t relative_id) noexcept;

}  // namespace sifkit::sif
