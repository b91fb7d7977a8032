// Streaming decompression of layer blobs: gzip (zlib), zstd (libzstd) or none, chosen by the
// data's magic bytes. Each decompressor is a ByteSource over its compressed input.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sifkit/sif/source.hpp"

namespace sifkit::oci2sif {

enum class LayerCompression { none, gzip, zstd };

std::string_view name_of(LayerCompression compression) noexcept;
// From the first bytes of a blob (at least 4 when available).
LayerCompression detect_compression(std::span<const std::byte> head) noexcept;
// The compression a layer media type declares; nullopt when it declares none specifically
// (docker-archive layers, or an unknown type already refused elsewhere).
LayerCompression declared_compression(std::string_view media_type) noexcept;

// Wraps `compressed` (which must outlive the result). `head` holds bytes already read from it,
// which the decompressor consumes first.
std::unique_ptr<sif::ByteSource> make_decompressor(LayerCompression compression,
                                                   sif::ByteSource& compressed,
                                                   std::vector<std::byte> head);

}  // namespace sifkit::oci2sif
