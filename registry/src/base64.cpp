#include "base64.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace sifkit::registry {

std::string base64_encode(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()),
                                  static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(std::max(n, 0)));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string padded(text);
    while (padded.size() % 4 != 0) {
        padded += '=';
    }
    if (padded.empty()) {
        return std::string();
    }
    std::string out(padded.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(padded.data()),
                                  static_cast<int>(padded.size()));
    if (n < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts the padding as data bytes.
    std::size_t size = static_cast<std::size_t>(n);
    for (std::size_t i = padded.size(); i > 0 && padded[i - 1] == '=' && size > 0; --i) {
        --size;
    }
    out.resize(size);
    return out;
}

}  // namespace sifkit::registry
