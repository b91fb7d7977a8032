// Reading directories through an owned DIR* (closed on every way out), for the modules that walk
// trees on disk: the dir: source (oci2sif), the staging cache (rootfs), the test tree readers.
#pragma once

#include <dirent.h>

#include <memory>
#include <string>
#include <vector>

namespace sifkit::sif {

struct CloseDirectory {
    void operator()(DIR* dir) const noexcept { ::closedir(dir); }
};
using UniqueDir = std::unique_ptr<DIR, CloseDirectory>;

// The names in `directory` but "." and "..", in the order readdir gives them; an io Error
// naming the directory when it cannot be opened or read.
std::vector<std::string> directory_names(const std::string& directory);

}  // namespace sifkit::sif
