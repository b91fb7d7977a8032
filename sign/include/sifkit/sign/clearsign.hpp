// OpenPGP cleartext signature framework (RFC 4880 §7): the wrapping of the reference's PGP
// signature objects (format §9.3). The signature itself is checked by pgp.hpp and made by
// pgp_signer.hpp.
#pragma once

#include <cstdint>
#include <span>
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

// The reference's framing (format §9.3, v2.8.3) of `text` (one line that does not start with
// "-", as the metadata JSON is) and a detached canonical-text signature of it: the "Hash:"
// header, the text, the armored signature packets, and no final line break.
std::string clearsigned_message(std::string_view text, std::string_view hash_name,
                                std::span<const std::uint8_t> signature_packets);

}  // namespace sifkit::sign
