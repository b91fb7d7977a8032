// DSSE envelopes: encoding, parsing and the pre-authentication encoding.
#include "sifkit/sign/dsse.hpp"

#include <nlohmann/json.hpp>

#include "sifkit/sif/base64.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::sign {
namespace {

// The bytes of a base64 field; an Error that says what is wrong otherwise (the reason a
// verify report gives for the signature).
std::vector<std::uint8_t> decode_field(std::string_view text) {
    auto bytes = sif::base64_decode(text);
    if (bytes) {
        return std::move(*bytes);
    }
    const std::string_view unpadded = text.substr(0, text.find_last_not_of('=') + 1);
    const bool alphabet_only =
        unpadded.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") ==
        std::string_view::npos;
    throw Error(ErrorKind::invalid_input, alphabet_only || unpadded.size() % 4 == 1
                                              ? "malformed base64 (bad length)"
                                              : "malformed base64 (bad character)");
}

}  // namespace

std::string pre_authentication_encoding(std::string_view payload_type, std::string_view payload) {
    std::string pae = "DSSEv1 ";
    pae += std::to_string(payload_type.size());
    pae += ' ';
    pae += payload_type;
    pae += ' ';
    pae += std::to_string(payload.size());
    pae += ' ';
    pae += payload;
    return pae;
}

std::string DsseEnvelope::to_json() const {
    // By hand, in the reference's field order; none of the values need JSON escaping except the
    // payload type, which nlohmann escapes the way Go does for the characters it can contain.
    std::string json = "{\"payloadType\":" + nlohmann::json(payload_type).dump() +
                       ",\"payload\":\"" + sif::base64_encode(payload) + "\",\"signatures\":[";
    for (std::size_t i = 0; i < signatures.size(); ++i) {
        if (i > 0) {
            json += ',';
        }
        json += "{\"keyid\":" + nlohmann::json(signatures[i].keyid).dump() + ",\"sig\":\"" +
                sif::base64_encode(signatures[i].sig) + "\"}";
    }
    json += "]}";
    return json;
}

DsseEnvelope DsseEnvelope::parse(std::string_view text) {
    try {
        const nlohmann::json doc = nlohmann::json::parse(text);
        DsseEnvelope envelope;
        envelope.payload_type = doc.at("payloadType").get<std::string>();
        const auto payload = decode_field(doc.at("payload").get<std::string>());
        envelope.payload.assign(payload.begin(), payload.end());
        for (const auto& s : doc.at("signatures")) {
            DsseSignature signature;
            if (s.contains("keyid") && !s.at("keyid").is_null()) {
                signature.keyid = s.at("keyid").get<std::string>();
            }
            signature.sig = decode_field(s.at("sig").get<std::string>());
            envelope.signatures.push_back(std::move(signature));
        }
        return envelope;
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorKind::invalid_input, std::string("malformed DSSE envelope: ") + e.what());
    }
}

}  // namespace sifkit::sign
