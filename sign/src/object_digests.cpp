#include "object_digests.hpp"

namespace sifkit::sign::detail {

Digest ObjectDigests::of(const sif::Descriptor& descriptor, DigestAlgorithm algorithm) {
    const Key key{descriptor.offset, descriptor.size, algorithm};
    const auto found = known_.find(key);
    if (found != known_.end()) {
        return found->second;
    }
    Digest digest = digest_object(image_, descriptor, algorithm);
    known_.emplace(key, digest);
    return digest;
}

void ObjectDigests::remember(std::int64_t offset, std::int64_t size, const Digest& digest) {
    known_.insert_or_assign(Key{offset, size, digest.algorithm}, digest);
}

std::vector<KnownDigest> ObjectDigests::known() const {
    std::vector<KnownDigest> all;
    all.reserve(known_.size());
    for (const auto& [key, digest] : known_) {
        all.push_back(KnownDigest{std::get<0>(key), std::get<1>(key), digest});
    }
    return all;
}

}  // namespace sifkit::sign::detail
