#include "sifkit/sif/directory.hpp"

#include <cerrno>
#include <string_view>

#include "sifkit/sif/error.hpp"

namespace sifkit::sif {

std::vector<std::string> directory_names(const std::string& directory) {
    const UniqueDir dir(::opendir(directory.c_str()));
    if (!dir) {
        throw_errno("cannot read directory", directory);
    }
    std::vector<std::string> names;
    for (;;) {
        errno = 0;
        const dirent* item = ::readdir(dir.get());
        if (item == nullptr) {
            break;
        }
        const std::string_view name = item->d_name;
        if (name != "." && name != "..") {
            names.emplace_back(name);
        }
    }
    if (errno != 0) {
        throw_errno("cannot read directory", directory);
    }
    return names;
}

}  // namespace sifkit::sif
