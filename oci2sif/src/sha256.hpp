// SHA-256 digests of OCI blobs: the sif module's (sifkit/sif/sha256.hpp), named here for the
// converter's sources.
#pragma once

#include "sifkit/sif/sha256.hpp"

namespace sifkit::oci2sif {

using sif::is_sha256_digest;
using sif::Sha256;
using sif::sha256_digest;

}  // namespace sifkit::oci2sif
