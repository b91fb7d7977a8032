// DSSE envelopes: encoding, parsing and the pre-authentication encoding.
#include "sifkit/sign/dsse.hpp"

#include <array>
#include <nlohmann/json.hpp>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode(const std::uint8_t* data, std::size_t size) {
    std::string out;
    out.reserve((size + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < size; i += 3) {
        const std::uint32_t n = static_cast<std::uint32_t>(data[i]) << 16 |
                                static_cast<std::uint32_t>(data[i + 1]) << 8 | data[i + 2];
        out += kAlphabet[n >> 18 & 63];
        out += kAlphabet[n >> 12 & 63];
        out += kAlphabet[n >> 6 & 63];
        out += kAlphabet[n & 63];
    }
    if (i + 1 == size) {
        const std::uint32_t n = static_cast<std::uint32_t>(data[i]) << 16;
        out += kAlphabet[n >> 18 & 63];
        out += kAlphabet[n >> 12 & 63];
        out += "==";
    } else if (i + 2 == size) {
        const std::uint32_t n = static_cast<std::uint32_t>(data[i]) << 16 |
                                static_cast<std::uint32_t>(data[i + 1]) << 8;
        out += kAlphabet[n >> 18 & 63];
        out += kAlphabet[n >> 12 & 63];
        out += kAlphabet[n >> 6 & 63];
        out += '=';
    }
    return out;
}

}  // namespace

std::string base64_encode(const std::vector<std::uint8_t>& data) {
    return encode(data.data(), data.size());
}

std::string base64_encode(std::string_view data) {
    return encode(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
}

std::vector<std::uint8_t> base64_decode(std::string_view text) {
    std::array<int, 256> value{};
    value.fill(-1);
    for (int i = 0; i < 64; ++i) {
        value[static_cast<unsigned char>(kAlphabet[i])] = i;
    }
    while (!text.empty() && text.back() == '=') {
        text.remove_suffix(1);
    }
    if (text.size() % 4 == 1) {
        throw Error(ErrorKind::invalid_input, "malformed base64 (bad length)");
    }
    std::vector<std::uint8_t> out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t bits = 0;
    int count = 0;
    for (const char c : text) {
        const int v = value[static_cast<unsigned char>(c)];
        if (v < 0) {
            throw Error(ErrorKind::invalid_input, "malformed base64 (bad character)");
        }
        bits = bits << 6 | static_cast<std::uint32_t>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<std::uint8_t>(bits >> count & 0xFF));
        }
    }
    return out;
}

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
                       ",\"payload\":\"" + base64_encode(payload) + "\",\"signatures\":[";
    for (std::size_t i = 0; i < signatures.size(); ++i) {
        if (i > 0) {
            json += ',';
        }
        json += "{\"keyid\":" + nlohmann::json(signatures[i].keyid).dump() + ",\"sig\":\"" +
                base64_encode(signatures[i].sig) + "\"}";
    }
    json += "]}";
    return json;
}

DsseEnvelope DsseEnvelope::parse(std::string_view text) {
    try {
        const nlohmann::json doc = nlohmann::json::parse(text);
        DsseEnvelope envelope;
        envelope.payload_type = doc.at("payloadType").get<std::string>();
        const auto payload = base64_decode(doc.at("payload").get<std::string>());
        envelope.payload.assign(payload.begin(), payload.end());
        for (const auto& s : doc.at("signatures")) {
            DsseSignature signature;
            if (s.contains("keyid") && !s.at("keyid").is_null()) {
                signature.keyid = s.at("keyid").get<std::string>();
            }
            signature.sig = base64_decode(s.at("sig").get<std::string>());
            envelope.signatures.push_back(std::move(signature));
        }
        return envelope;
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorKind::invalid_input, std::string("malformed DSSE envelope: ") + e.what());
    }
}

}  // namespace sifkit::sign
