// Umbrella header of the sif module: the SIF format, with no knowledge of OCI or crypto.
#pragma once

#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/descriptor.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/fs_magic.hpp"
#include "sifkit/sif/header.hpp"
#include "sifkit/sif/image.hpp"
#include "sifkit/sif/integrity.hpp"
#include "sifkit/sif/source.hpp"
#include "sifkit/sif/storage.hpp"
#include "sifkit/sif/types.hpp"
#include "sifkit/sif/uuid.hpp"
