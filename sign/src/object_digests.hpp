// Digests of object data for one verification: each (byte range, algorithm) is hashed at most
// once, however many signatures cover it, and digests computed elsewhere (stage hashes while it
// copies) can be handed in.
#pragma once

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "sifkit/sif/image.hpp"
#include "sifkit/sign/digest.hpp"

namespace sifkit::sign::detail {

// A digest of `size` bytes at `offset` of an image.
struct KnownDigest {
    std::int64_t offset = 0;
    std::int64_t size = 0;
    Digest digest;
};

class ObjectDigests {
  public:
    explicit ObjectDigests(const sif::Image& image) : image_(image) {}

    // The digest of the object's bytes, streamed from the image unless already known.
    Digest of(const sif::Descriptor& descriptor, DigestAlgorithm algorithm);
    // Records the digest of the `size` bytes at `offset` of the image.
    void remember(std::int64_t offset, std::int64_t size, const Digest& digest);
    // Every digest known so far (remembered or computed), in (offset, size, algorithm) order.
    std::vector<KnownDigest> known() const;

  private:
    using Key = std::tuple<std::int64_t, std::int64_t, DigestAlgorithm>;
    const sif::Image& image_;
    std::map<Key, Digest> known_;
};

}  // namespace sifkit::sign::detail
