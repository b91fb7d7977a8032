// A squashfs gzip compressor on libdeflate. Squashfs "gzip" blocks are zlib streams; libdeflate
// writes the same format, readable by every squashfs reader, several times faster than zlib at
// the same level (and usually a little smaller), which is what makes gzip-9 images cheap to
// build. Options, configuration and decompression stay with libsquashfs's own gzip compressor.
#pragma once

#include <sqfs/compressor.h>

#include "sifkit/squashfs/handles.hpp"

namespace sifkit::oci2sif {

// A compressor for `config` (id SQFS_COMP_GZIP, window 15, no strategy flags), or nullptr when
// the configuration needs something libdeflate does not do (the caller then uses libsquashfs's
// zlib compressor). Destroy with sqfs_destroy.
squashfs::SqfsPtr<sqfs_compressor_t> create_deflate_compressor(
    const sqfs_compressor_config_t& config);

}  // namespace sifkit::oci2sif
