// A squashfs LZO compressor on liblzo2 (Debian liblzo2-dev). libsquashfs leaves LZO out (it is
// only in squashfs-tools-ng's programs), but squashfs images may use it and the kernel and
// unsquashfs read it: LZO1X-999 at levels 1-9 (default 8, as mksquashfs), options stored only
// when not the default, as mksquashfs does.
#pragma once

#include <sqfs/compressor.h>

#include "sifkit/squashfs/handles.hpp"

namespace sifkit::oci2sif {

// A compressor (or, with SQFS_COMP_FLAG_UNCOMPRESS, a decompressor) for `config`, whose id must
// be SQFS_COMP_LZO; nullptr for options it cannot honour. Destroy with sqfs_destroy.
squashfs::SqfsPtr<sqfs_compressor_t> create_lzo_compressor(const sqfs_compressor_config_t& config);

}  // namespace sifkit::oci2sif
