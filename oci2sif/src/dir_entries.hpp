// Entries of a root file system directory (the dir: source), in sorted depth-first order, with
// owners, modes, times and xattrs as lstat and llistxattr report them. Files linked several
// times inside the tree become hardlink entries to the first path seen.
#pragma once

#include <filesystem>
#include <memory>

#include "entry.hpp"

namespace sifkit::oci2sif {

std::unique_ptr<EntryStream> read_directory_entries(const std::filesystem::path& root);

}  // namespace sifkit::oci2sif
