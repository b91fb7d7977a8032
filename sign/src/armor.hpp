// OpenPGP ASCII armor (RFC 4880 §6): "-----BEGIN LABEL-----", optional headers, a blank line,
// base64 lines, an optional "=" CRC-24 line, "-----END LABEL-----".
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::sign::detail {

// Splits text into lines at "\n", dropping a trailing "\r" from each; the last line may lack a
// line end.
std::vector<std::string_view> split_lines(std::string_view text);

// The line without trailing spaces and tabs (armor and cleartext ignore them, RFC 4880 §6.2, §7.1).
std::string_view trim_blanks(std::string_view line) noexcept;

// CRC-24 of RFC 4880 §6.1.
std::uint32_t crc24(std::span<const std::uint8_t> data) noexcept;

struct ArmorBlock {
    std::string label;  // "PGP PUBLIC KEY BLOCK", "PGP SIGNATURE", ...
    std::vector<std::uint8_t> data;
};

// Decodes the armored block whose BEGIN line is lines[first]; `next` is set to the index of the
// line after its END line. Throws an invalid_input Error when the block is malformed or its
// checksum does not match.
ArmorBlock decode_armor(const std::vector<std::string_view>& lines, std::size_t first,
                        std::size_t& next);

// Every block with this label in the text, in order.
std::vector<ArmorBlock> decode_armor_blocks(std::string_view text, std::string_view label);

// The armored text of `data` ("-----BEGIN LABEL-----", a blank line, 64-column base64, the
// "=" CRC-24 line, "-----END LABEL-----", "\n" line ends), as gpg --armor writes it.
std::string encode_armor(std::string_view label, std::span<const std::uint8_t> data);

}  // namespace sifkit::sign::detail
