// Cleartext signed messages (RFC 4880 §7).
#include "sifkit/sign/clearsign.hpp"

#include "armor.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::sign {
namespace {

constexpr std::string_view kMessageHeader = "-----BEGIN PGP SIGNED MESSAGE-----";
constexpr std::string_view kSignatureHeader = "-----BEGIN PGP SIGNATURE-----";

[[noreturn]] void fail(const std::string& detail) {
    throw Error(ErrorKind::invalid_input, "clearsigned message not found: " + detail);
}

}  // namespace

bool is_clearsigned(std::string_view text) noexcept {
    return text.starts_with(kMessageHeader);
}

ClearsignedMessage ClearsignedMessage::parse(std::string_view text) {
    const std::vector<std::string_view> lines = detail::split_lines(text);
    if (lines.empty() || detail::trim_blanks(lines[0]) != kMessageHeader) {
        fail("no \"" + std::string(kMessageHeader) + "\" line");
    }
    ClearsignedMessage message;
    std::size_t i = 1;
    for (; i < lines.size() && !detail::trim_blanks(lines[i]).empty(); ++i) {
        const std::string_view header = detail::trim_blanks(lines[i]);
        const auto colon = header.find(": ");
        if (colon == std::string_view::npos) {
            fail("malformed armor header");
        }
        if (header.substr(0, colon) == "Hash") {
            message.hash_headers.emplace_back(header.substr(colon + 2));
        }
    }
    if (i == lines.size()) {
        fail("no blank line after the armor headers");
    }
    for (++i;; ++i) {
        if (i == lines.size()) {
            fail("no signature block");
        }
        std::string_view line = lines[i];
        if (detail::trim_blanks(line) == kSignatureHeader) {
            break;
        }
        if (line.starts_with("- ")) {
            line.remove_prefix(2);  // dash-escaping (§7.1)
        }
        line = detail::trim_blanks(line);
        if (!message.plaintext.empty()) {
            message.signed_text += "\r\n";
        }
        message.signed_text += line;
        message.plaintext += line;
        message.plaintext += '\n';
    }
    std::size_t next = i;
    detail::ArmorBlock block = detail::decode_armor(lines, i, next);
    message.signature = std::move(block.data);
    return message;
}

std::string clearsigned_message(std::string_view text, std::string_view hash_name,
                                std::span<const std::uint8_t> signature_packets) {
    if (text.find('\n') != std::string_view::npos || text.starts_with("-")) {
        throw Error(ErrorKind::internal, "clear-signed text must be one line not starting with -");
    }
    std::string armored = detail::encode_armor("PGP SIGNATURE", signature_packets);
    armored.pop_back();  // the reference ends the object without a line break
    return "-----BEGIN PGP SIGNED MESSAGE-----\nHash: " + std::string(hash_name) + "\n\n" +
           std::string(text) + "\n" + armored;
}

}  // namespace sifkit::sign
