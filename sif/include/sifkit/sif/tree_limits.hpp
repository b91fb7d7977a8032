// Bounds on the file trees inside an image that every part of sifkit agrees on: what `convert`
// and `pull` accept from a layer is exactly what `ls`, `export` and `extract` can read back.
#pragma once

#include <cstddef>

namespace sifkit::sif {

// Path components below the root. Linux's PATH_MAX (4096 bytes) allows at most 2048 levels
// for a path handed to the kernel whole, so deeper trees are awkward for every tool that
// unpacks them; real images are rarely more than 40 levels deep. (Export keeps a bounded
// number of directories open whatever the depth.)
inline constexpr std::size_t kMaxTreeDepth = 512;

}  // namespace sifkit::sif
