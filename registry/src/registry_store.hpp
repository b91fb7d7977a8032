// An OCI image layout served from a registry, for oci2sif::convert (a ServedLayout as
// ConvertOptions::source), so that a pull resolves and converts exactly as `sifkit convert oci:DIR`
// does:
//   index.json          synthesized: one entry, the manifest or index the reference names
//   blobs/sha256/<hex>  manifests and indexes (fetched by digest as the converter follows
//                       them), configs and layers (through the BlobFetcher)
// The store learns what each digest is from the documents it serves, and starts the downloads
// of an image's config and layers as soon as the converter reads its manifest.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "blob_fetcher.hpp"
#include "sifkit/oci2sif/blob_store.hpp"
#include "sifkit/registry/blob_cache.hpp"
#include "sifkit/registry/client.hpp"
#include "sifkit/registry/reference.hpp"

namespace sifkit::registry {

class RegistryStore final : public oci2sif::BlobStore {
  public:
    // Fetches the manifest `reference` names (from the cache for a digest reference).
    RegistryStore(Client& client, BlobFetcher& fetcher, const BlobCache* cache,
                  const Reference& reference);

    const std::string& name() const override { return name_; }
    std::optional<std::uint64_t> size_of(std::string_view path) const override;
    std::unique_ptr<sif::ByteSource> open(std::string_view path) const override;
    std::string describe(std::string_view path) const override;

    // The image manifest the converter read last (the one converted), empty before.
    std::string image_manifest_digest() const;
    const std::string& top_digest() const { return top_digest_; }
    // Whether the image manifest read is a SIF pushed as an ORAS artifact (its config has the
    // SIF config type), which the converter refuses and `oras://` pulls.
    bool image_is_sif_artifact() const;

  private:
    // A manifest or index by digest: from memory, the cache or the registry.
    const std::string* document(const std::string& digest) const;
    void learn(const std::string& digest, const std::string& body) const;

    Client& client_;
    BlobFetcher& fetcher_;
    const BlobCache* cache_;
    std::string name_;    // the reference as given
    std::string origin_;  // "docker://REGISTRY/REPOSITORY"
    std::string top_digest_;
    mutable std::mutex mutex_;
    mutable std::map<std::string, std::string> documents_;  // "index.json" and digests
    mutable std::set<std::string> manifests_;               // digests known to be manifests
    mutable std::string image_manifest_;
    mutable bool image_is_sif_artifact_ = false;
};

}  // namespace sifkit::registry
