// OpenPGP cleartext signature framework (RFC 4880 §7): the wrapping of the reference's PGP
// signature objects (format §9.3). Parsing only; the signature itself is checked by pgp.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::sign {

struct ClearsignedMessage {
    // The message as its author wrote it: dash-escaping undone, trailing blanks removed, every
    // line followed by "\n" (what the reference library calls the plaintext).
    std::string plaintext;
    // The bytes the signature covers: the same lines joined with CRLF, without the final line
    // break.
    std::string signed_text;
    // Values of the "Hash:" armor headers (advisory; verification does not consult them).
    std::vector<std::string> hash_headers;
    // The decoded "PGP SIGNATURE" block (CRC-24 checked): OpenPGP signature packets.
    std::vector<std::uint8_t> signature;

    // Parses a cleartext-signed message; throws an invalid_input Error when it is not one.
    static ClearsignedMessage parse(std::string_view text);
};

// True when `text` begins with the cleartext signature header line.
bool is_clearsigned(std::string_view text) noexcept;

}  // namespace sifkit::sign
