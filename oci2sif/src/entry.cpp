#include "entry.hpp"

namespace sifkit::oci2sif {

bool normalize_entry_path(std::string_view raw, std::string& out) {
    out.clear();
    std::size_t start = 0;
    while (start <= raw.size()) {
        std::size_t slash = raw.find('/', start);
        if (slash == std::string_view::npos) {
            slash = raw.size();
        }
        const std::string_view part = raw.substr(start, slash - start);
        start = slash + 1;
        if (part.empty() || part == ".") {
            continue;
        }
        if (part == ".." || part.size() > 255) {
            return false;
        }
        if (!out.empty()) {
            out += '/';
        }
        out += part;
    }
    return true;
}

}  // namespace sifkit::oci2sif
