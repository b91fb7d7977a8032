// A registry repository seen as an OCI image layout of documents only, for `sifkit inspect`:
// index.json (one entry, the manifest or index the reference names), the manifests an index
// points to and image configs, each fetched when first read. Layers are never fetched: their
// sizes are the ones the manifest states, which is all resolving an image needs.
#pragma once

#include <map>
#include <set>
#include <string>

#include "sifkit/oci2sif/blob_store.hpp"
#include "sifkit/registry/client.hpp"

namespace sifkit::registry {

class DocumentStore final : public oci2sif::BlobStore {
  public:
    DocumentStore(Client& client, ManifestDocument top, std::string name);

    const std::string& name() const override { return name_; }
    std::optional<std::uint64_t> size_of(std::string_view path) const override;
    std::unique_ptr<sif::ByteSource> open(std::string_view path) const override;

  private:
    void learn(const std::string& body) const;
    const std::string* fetch(const std::string& digest) const;

    Client& client_;
    std::string name_;
    // Single-threaded: inspection reads one document at a time.
    mutable std::map<std::string, std::string> documents_;  // "index.json" and digests
    mutable std::map<std::string, std::uint64_t> sizes_;    // as descriptors state them
    mutable std::set<std::string> configs_;
    mutable std::set<std::string> manifests_;
};

}  // namespace sifkit::registry
