// DSSE envelopes (Dead Simple Signing Envelope), the signature format of the reference
// library since v2.9: the metadata JSON is the payload, signed through the pre-authentication
// encoding (PAE).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::sign {

inline constexpr std::string_view kSifMetadataPayloadType =
    "application/vnd.sylabs.sif-metadata+json";

struct DsseSignature {
    std::string keyid;
    std::vector<std::uint8_t> sig;
    friend bool operator==(const DsseSignature&, const DsseSignature&) = default;
};

struct DsseEnvelope {
    std::string payload_type;
    std::string payload;  // decoded bytes
    std::vector<DsseSignature> signatures;

    // Compact JSON as the reference writes it: payloadType, payload (standard base64),
    // signatures [{keyid, sig}], no trailing newline.
    std::string to_json() const;
    // Parses an envelope; throws an invalid_input Error when it is not one.
    static DsseEnvelope parse(std::string_view json);
    friend bool operator==(const DsseEnvelope&, const DsseEnvelope&) = default;
};

// "DSSEv1 <len(type)> <type> <len(body)> <body>"
std::string pre_authentication_encoding(std::string_view payload_type, std::string_view payload);

}  // namespace sifkit::sign
