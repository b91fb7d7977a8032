// The module's SHA-256 is public (registry clients check blobs with it too).
#pragma once

#include "sifkit/oci2sif/sha256.hpp"
