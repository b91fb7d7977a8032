// The 128-byte global header (format §3), decoded field by field.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "sifkit/sif/types.hpp"
#include "sifkit/sif/uuid.hpp"

namespace sifkit::sif {

inline constexpr std::array<char, 10> kMagic{'S', 'I', 'F', '_', 'M', 'A', 'G', 'I', 'C', '\0'};
inline constexpr std::array<char, 3> kVersion{'0', '1', '\0'};

struct Header {
    std::array<char, kLaunchScriptSize> launch_script{};  // NUL padded
    std::array<char, 10> magic = kMagic;
    std::array<char, 3> version = kVersion;
    Arch arch;
    Uuid id;
    std::int64_t created_at = kUnsetTime;
    std::int64_t modified_at = kUnsetTime;
    std::int64_t descriptors_free = 0;
    std::int64_t descriptors_total = 0;
    std::int64_t descriptors_offset = 0;
    std::int64_t descriptors_size = 0;
    std::int64_t data_offset = 0;
    std::int64_t data_size = 0;

    // The launch script without its NUL padding.
    std::string launch_script_text() const;
    // The version without its NUL padding ("01").
    std::string version_text() const;
    // End of the data written so far: where the next object is appended.
    std::int64_t data_end() const noexcept { return data_offset + data_size; }

    // The 128 on-disk bytes.
    std::array<std::byte, kHeaderSize> encode() const noexcept;
    // Decodes 128 bytes without validating anything.
    static Header decode(std::span<const std::byte, kHeaderSize> bytes) noexcept;

    friend bool operator==(const Header&, const Header&) = default;
};

}  // namespace sifkit::sif
