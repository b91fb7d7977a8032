// Wraps a libsquashfs compressor so that a block never "compresses" to more bytes than it had.
// libsquashfs's lz4 compressor returns such results (tiny metadata blocks grow by the LZ4 token
// byte), and squashfs-tools' unsquashfs 4.5 then refuses the image; stored uncompressed, as
// the other compressors do it, every reader accepts the block.
#pragma once

#include <sqfs/compressor.h>

namespace sifkit::oci2sif {

// Takes ownership of `inner`; nullptr on allocation failure (then `inner` is destroyed).
sqfs_compressor_t* bound_compressor(sqfs_compressor_t* inner);

}  // namespace sifkit::oci2sif
