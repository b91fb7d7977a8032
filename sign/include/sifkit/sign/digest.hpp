// Streaming message digests (OpenSSL EVP) and the "ALG:HEX" text form signatures record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sifkit/sif/image.hpp"
#include "sifkit/sign/openssl_ptr.hpp"

namespace sifkit::sign {

enum class DigestAlgorithm { sha224, sha256, sha384, sha512, sha512_224, sha512_256 };

// "sha256", "sha512_224", ... as the reference writes them; nullopt-like throw for others.
std::string_view name_of(DigestAlgorithm algorithm) noexcept;
// Parses a name as above; throws an invalid_input Error for unknown names.
DigestAlgorithm parse_digest_algorithm(std::string_view name);

struct Digest {
    DigestAlgorithm algorithm = DigestAlgorithm::sha256;
    std::vector<std::uint8_t> value;

    // "sha256:<lower-case hex>"
    std::string to_string() const;
    // Parses "ALG:HEX"; throws an invalid_input Error when malformed.
    static Digest parse(std::string_view text);
    friend bool operator==(const Digest&, const Digest&) = default;
};

// Incremental hashing; feed any number of chunks, then finish() once.
class Hasher {
  public:
    explicit Hasher(DigestAlgorithm algorithm);
    Hasher(Hasher&&) noexcept = default;
    Hasher& operator=(Hasher&&) = delete;

    void update(std::span<const std::byte> data);
    Digest finish();

  private:
    DigestAlgorithm algorithm_;
    detail::EvpMdCtxPtr context_;
};

Digest digest_of(DigestAlgorithm algorithm, std::span<const std::byte> data);
// Digest of one object's bytes, streamed from the image with bounded memory.
Digest digest_object(const sif::Image& image, const sif::Descriptor& descriptor,
                     DigestAlgorithm algorithm = DigestAlgorithm::sha256);

}  // namespace sifkit::sign
