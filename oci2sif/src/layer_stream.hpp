// One layer blob as an uncompressed tar stream, checked while it streams: the blob's bytes
// against the manifest's digest and size, the uncompressed bytes against the config's diff_id.
// verify() at the end of the layer turns any mismatch into an error, so that nothing built from
// a corrupt or substituted layer is ever published.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "byte_sources.hpp"
#include "decompress.hpp"

namespace sifkit::oci2sif {

struct LayerExpectations {
    std::optional<std::string> digest;  // of the blob as stored
    std::optional<std::uint64_t> size;
    std::optional<std::string> diff_id;  // of the uncompressed tar
    std::string media_type;              // empty: not declared
};

class LayerStream final : public sif::ByteSource {
  public:
    LayerStream(std::unique_ptr<sif::ByteSource> blob, LayerExpectations expected);

    // Uncompressed tar bytes.
    std::size_t read(std::span<std::byte> data) override;
    const std::string& name() const override { return blob_->name(); }

    // Reads whatever the consumer left (tar padding after the end marker), then checks size,
    // digest and diff_id. An invalid_input Error names the blob and what did not match.
    void verify();

    LayerCompression compression() const noexcept { return compression_; }
    std::uint64_t compressed_bytes() const noexcept { return compressed_.count(); }
    std::uint64_t uncompressed_bytes() const noexcept { return uncompressed_->count(); }

  private:
    std::unique_ptr<sif::ByteSource> blob_;
    LayerExpectations expected_;
    HashingSource compressed_;
    LayerCompression compression_ = LayerCompression::none;
    std::unique_ptr<sif::ByteSource> decompressor_;
    std::unique_ptr<HashingSource> uncompressed_;
};

}  // namespace sifkit::oci2sif
