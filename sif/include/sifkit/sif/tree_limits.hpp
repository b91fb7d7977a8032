// Bounds on the file trees inside an image that every part of sifkit agrees on: what `convert`
// and `pull` accept from a layer is exactly what `ls`, `export` and `extract` can read back.
#pragma once

#include <cstddef>

namespace sifkit::sif {

// Path components below the root. Linux's PATH_MAX (4096 bytes) allows at most 2048 levels
// for a path handed to the kernel whole; export creates the tree with one open directory per
// level, so 512 levels stay well inside the common `ulimit -n` of 1024. Real images are
// rarely more than 40 levels deep.
inline constexpr std::size_t kMaxTreeDepth = 512;

}  // namespace sifkit::sif
