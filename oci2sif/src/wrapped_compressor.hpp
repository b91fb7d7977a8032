// libsquashfs compressors with their block function replaced. Options, configuration and
// decompression stay with the libsquashfs compressor inside; only how a block is compressed
// changes. Used for gzip through libdeflate, and to keep any block from growing.
#pragma once

#include <sqfs/compressor.h>

#include <memory>

#include "sifkit/squashfs/handles.hpp"

namespace sifkit::oci2sif {

class BlockCodec {
  public:
    virtual ~BlockCodec() = default;
    // Compresses `size` bytes of `in` into `out` (room for `outsize`); returns the compressed
    // size, 0 to store the block uncompressed, or a negative SQFS_ERROR. `inner` is the wrapped
    // libsquashfs compressor, for codecs that build on it.
    virtual sqfs_s32 compress(sqfs_compressor_t* inner, const sqfs_u8* in, sqfs_u32 size,
                              sqfs_u8* out, sqfs_u32 outsize) = 0;
    // An independent copy, for another worker thread; nullptr on allocation failure.
    virtual std::unique_ptr<BlockCodec> clone() const = 0;
};

// Takes ownership of `inner`; null on allocation failure (then `inner` is destroyed).
squashfs::SqfsPtr<sqfs_compressor_t> wrap_compressor(squashfs::SqfsPtr<sqfs_compressor_t> inner,
                                                     std::unique_ptr<BlockCodec> codec);

// A codec that calls the inner compressor and stores the block when the result is not smaller:
// libsquashfs's lz4 lets tiny metadata blocks grow by the LZ4 token byte, and squashfs-tools'
// unsquashfs 4.5 then refuses the image.
std::unique_ptr<BlockCodec> bounded_codec();

}  // namespace sifkit::oci2sif
