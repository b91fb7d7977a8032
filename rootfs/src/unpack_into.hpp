// The directory export's worker, for outputs that stage more than the tree (bundles).
#pragma once

#include <filesystem>
#include <string>

#include "sifkit/rootfs/unpack.hpp"

namespace sifkit::rootfs {

// Writes the tree into `directory`, which exists, is empty and is the caller's own (a staging
// directory or a directory inside one); `options.overwrite` is not looked at. Errors name
// `shown` (what the user asked for, not the temporary path).
UnpackReport unpack_into(const SquashfsImage& fs, const std::filesystem::path& directory,
                         const std::string& shown, const UnpackOptions& options);

}  // namespace sifkit::rootfs
