#include "sifkit/sif/sha256.hpp"

#include <openssl/evp.h>

#include <array>

#include "sifkit/sif/error.hpp"

namespace sifkit::sif {
void Sha256::ContextFree::operator()(EVP_MD_CTX* context) const noexcept {
    EVP_MD_CTX_free(context);
}

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
        throw Error(ErrorKind::internal, "cannot initialise SHA-256");
    }
}

void Sha256::update(std::span<const std::byte> data) {
    if (!data.empty() && EVP_DigestUpdate(context_.get(), data.data(), data.size()) != 1) {
        throw Error(ErrorKind::internal, "SHA-256 update failed");
    }
}

void Sha256::update(std::string_view text) {
    update(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

std::string Sha256::finish() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> value{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context_.get(), value.data(), &length) != 1) {
        throw Error(ErrorKind::internal, "SHA-256 finish failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text = "sha256:";
    for (unsigned int i = 0; i < length; ++i) {
        text += kHex[value[i] >> 4];
        text += kHex[value[i] & 0x0F];
    }
    return text;
}

std::string sha256_digest(std::string_view data) {
    Sha256 hasher;
    hasher.update(data);
    return hasher.finish();
}

bool is_sha256_digest(std::string_view digest) noexcept {
    constexpr std::string_view prefix = "sha256:";
    if (digest.size() != prefix.size() + 64 || digest.substr(0, prefix.size()) != prefix) {
        return false;
    }
    for (const char c : digest.substr(prefix.size())) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

std::string sha256_hex(std::string_view digest) {
    if (!is_sha256_digest(digest)) {
        throw Error(ErrorKind::internal, "not a sha256 digest: " + std::string(digest));
    }
    return std::string(digest.substr(7));
}

}  // namespace sifkit::sif
