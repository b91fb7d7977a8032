// Little-endian field access for the packed on-disk structures. Fields sit at odd offsets, so
// they are assembled byte by byte rather than read through casts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace sifkit::sif::detail {

template <typename Int>
Int load_le(std::span<const std::byte> bytes, std::size_t offset) noexcept {
    using Unsigned = std::make_unsigned_t<Int>;
    Unsigned value = 0;
    for (std::size_t i = 0; i < sizeof(Int); ++i) {
        value = static_cast<Unsigned>(
            value | static_cast<Unsigned>(static_cast<Unsigned>(bytes[offset + i]) << (8 * i)));
    }
    return static_cast<Int>(value);
}

template <typename Int>
void store_le(std::span<std::byte> bytes, std::size_t offset, Int value) noexcept {
    using Unsigned = std::make_unsigned_t<Int>;
    auto bits = static_cast<Unsigned>(value);
    for (std::size_t i = 0; i < sizeof(Int); ++i) {
        bytes[offset + i] = static_cast<std::byte>((bits >> (8 * i)) & 0xFFU);
    }
}

template <typename T, std::size_t N>
void load_array(std::span<const std::byte> bytes, std::size_t offset,
                std::array<T, N>& out) noexcept {
    static_assert(sizeof(T) == 1);
    std::memcpy(out.data(), bytes.data() + offset, N);
}

template <typename T, std::size_t N>
void store_array(std::span<std::byte> bytes, std::size_t offset,
                 const std::array<T, N>& in) noexcept {
    static_assert(sizeof(T) == 1);
    std::memcpy(bytes.data() + offset, in.data(), N);
}

// Text of a NUL-padded fixed field: everything before the trailing NULs (as the reference's
// TrimRight), so embedded NULs followed by text are kept.
template <std::size_t N>
std::string trim_nul(const std::array<char, N>& field) {
    std::size_t length = N;
    while (length > 0 && field[length - 1] == '\0') {
        --length;
    }
    return std::string(field.data(), length);
}

}  // namespace sifkit::sif::detail
