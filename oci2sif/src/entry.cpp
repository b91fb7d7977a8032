#include "entry.hpp"

#include <vector>

namespace sifkit::oci2sif {

std::string normalize_entry_path(std::string_view raw, std::string& out) {
    out.clear();
    // Where each kept component starts in `out`, so that ".." can drop the last one.
    std::vector<std::size_t> starts;
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
        if (part == "..") {
            if (starts.empty()) {
                return "climbs above the root with \"..\"";
            }
            out.resize(starts.back() == 0 ? 0 : starts.back() - 1);
            starts.pop_back();
            continue;
        }
        if (part.size() > 255) {
            return "has a name component longer than 255 bytes";
        }
        if (!out.empty()) {
            out += '/';
        }
        starts.push_back(out.size());
        out += part;
    }
    return {};
}

std::string quoted_path(std::string_view path) {
    constexpr std::size_t kShown = 160;
    if (path.size() <= kShown) {
        return "\"" + std::string(path) + "\"";
    }
    return "\"" + std::string(path.substr(0, kShown)) + "...\" (" + std::to_string(path.size()) +
           " bytes)";
}

}  // namespace sifkit::oci2sif
