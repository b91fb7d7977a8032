// Entries of a tar stream (ustar, pax, GNU; read with libarchive), for layers and rootfs
// tarballs. Pax and libarchive xattr records (SCHILY.xattr.*, LIBARCHIVE.xattr.*) become the
// entry's xattrs; names are kept as raw bytes.
#pragma once

#include <memory>

#include "entry.hpp"
#include "sifkit/sif/source.hpp"

namespace sifkit::oci2sif {

// Reads entries from `tar` (an uncompressed tar stream that must outlive the reader).
std::unique_ptr<EntryStream> read_tar_entries(sif::ByteSource& tar);

}  // namespace sifkit::oci2sif
