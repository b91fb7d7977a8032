#include "key_file.hpp"

#include <fstream>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {

std::string read_small_file(const std::filesystem::path& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ErrorKind::io, "cannot open " + what, path.string());
    }
    std::string text(kMaxKeyFileSize + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxKeyFileSize) {
        throw Error(ErrorKind::invalid_input, what + " larger than 1 MiB", path.string());
    }
    return text;
}

}  // namespace sifkit::sign::detail
