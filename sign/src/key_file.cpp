#include "key_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "sifkit/sif/error.hpp"

namespace sifkit::sign::detail {

std::string read_key_file(const std::filesystem::path& path, std::size_t limit) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ErrorKind::io, std::string("cannot open key file: ") + std::strerror(errno),
                    path.string());
    }
    std::string text;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > limit) {
            throw Error(ErrorKind::invalid_input,
                        "key file larger than " + std::to_string(limit >> 20) + " MiB",
                        path.string());
        }
    }
    return text;
}

}  // namespace sifkit::sign::detail
