// Message digests through OpenSSL EVP.
#include "sifkit/sign/digest.hpp"

#include <openssl/evp.h>

#include <array>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign {
namespace {

const EVP_MD* evp_of(DigestAlgorithm algorithm) noexcept {
    switch (algorithm) {
        case DigestAlgorithm::sha224:
            return EVP_sha224();
        case DigestAlgorithm::sha256:
            return EVP_sha256();
        case DigestAlgorithm::sha384:
            return EVP_sha384();
        case DigestAlgorithm::sha512:
            return EVP_sha512();
        case DigestAlgorithm::sha512_224:
            return EVP_sha512_224();
        case DigestAlgorithm::sha512_256:
            return EVP_sha512_256();
    }
    return EVP_sha256();
}

constexpr std::array<DigestAlgorithm, 6> kAll{
    DigestAlgorithm::sha224, DigestAlgorithm::sha256,     DigestAlgorithm::sha384,
    DigestAlgorithm::sha512, DigestAlgorithm::sha512_224, DigestAlgorithm::sha512_256};

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

}  // namespace

std::string_view name_of(DigestAlgorithm algorithm) noexcept {
    switch (algorithm) {
        case DigestAlgorithm::sha224:
            return "sha224";
        case DigestAlgorithm::sha256:
            return "sha256";
        case DigestAlgorithm::sha384:
            return "sha384";
        case DigestAlgorithm::sha512:
            return "sha512";
        case DigestAlgorithm::sha512_224:
            return "sha512_224";
        case DigestAlgorithm::sha512_256:
            return "sha512_256";
    }
    return "sha256";
}

DigestAlgorithm parse_digest_algorithm(std::string_view name) {
    for (const DigestAlgorithm algorithm : kAll) {
        if (name_of(algorithm) == name) {
            return algorithm;
        }
    }
    throw Error(ErrorKind::invalid_input, "unknown digest algorithm \"" + std::string(name) + "\"");
}

std::string Digest::to_string() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text(name_of(algorithm));
    text += ':';
    for (const std::uint8_t byte : value) {
        text += kHex[byte >> 4];
        text += kHex[byte & 0xF];
    }
    return text;
}

Digest Digest::parse(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        throw Error(ErrorKind::invalid_input,
                    "digest \"" + std::string(text) + "\" has no algorithm");
    }
    Digest digest;
    digest.algorithm = parse_digest_algorithm(text.substr(0, colon));
    const std::string_view hex = text.substr(colon + 1);
    const auto expected = static_cast<std::size_t>(EVP_MD_get_size(evp_of(digest.algorithm)));
    if (hex.size() != 2 * expected) {
        throw Error(ErrorKind::invalid_input,
                    "digest \"" + std::string(text) + "\" has the wrong length");
    }
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int high = hex_value(hex[i]);
        const int low = hex_value(hex[i + 1]);
        if (high < 0 || low < 0) {
            throw Error(ErrorKind::invalid_input,
                        "digest \"" + std::string(text) + "\" is not lower-case hex");
        }
        digest.value.push_back(static_cast<std::uint8_t>(high << 4 | low));
    }
    return digest;
}

Hasher::Hasher(DigestAlgorithm algorithm) : algorithm_(algorithm), context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr || EVP_DigestInit_ex(context_.get(), evp_of(algorithm), nullptr) != 1) {
        throw Error(ErrorKind::internal, "cannot initialise a digest");
    }
}

void Hasher::update(std::span<const std::byte> data) {
    if (EVP_DigestUpdate(context_.get(), data.data(), data.size()) != 1) {
        throw Error(ErrorKind::internal, "digest update failed");
    }
}

Digest Hasher::finish() {
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context_.get(), out.data(), &length) != 1) {
        throw Error(ErrorKind::internal, "digest finalisation failed");
    }
    return Digest{algorithm_, std::vector<std::uint8_t>(out.begin(), out.begin() + length)};
}

Digest digest_of(DigestAlgorithm algorithm, std::span<const std::byte> data) {
    Hasher hasher(algorithm);
    hasher.update(data);
    return hasher.finish();
}

Digest digest_object(const sif::Image& image, const sif::Descriptor& descriptor,
                     DigestAlgorithm algorithm) {
    Hasher hasher(algorithm);
    sif::ObjectReader reader = image.reader(descriptor);
    std::vector<std::byte> buffer(1 << 20);
    for (;;) {
        const std::size_t n = reader.read(buffer);
        if (n == 0) {
            break;
        }
        hasher.update(std::span<const std::byte>(buffer.data(), n));
    }
    return hasher.finish();
}

}  // namespace sifkit::sign
