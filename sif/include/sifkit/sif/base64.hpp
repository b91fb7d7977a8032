// Base64 with the standard alphabet (RFC 4648 §4). It lives in sif, the lowest floor, because
// both sign (DSSE envelopes, OpenPGP armor, cosign keys) and registry (Basic authentication,
// auth files) need it, and neither of them may use the other.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::sif {

// Padded with "=" to a multiple of four characters, no line breaks.
std::string base64_encode(std::span<const std::uint8_t> bytes);
std::string base64_encode(std::string_view bytes);

// The bytes `text` encodes, or nullopt when it is not base64: a character outside the alphabet
// (whitespace and "=" before the end included), a length no encoding has, or padding that does
// not complete the last group of four. The padding may be left out, as some writers do; the
// unused bits of the last character are ignored.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace sifkit::sif
