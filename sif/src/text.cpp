#include "sifkit/sif/text.hpp"

namespace sifkit::sif {

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string text;
    for (const std::string& item : items) {
        if (!text.empty()) {
            text += separator;
        }
        text += item;
    }
    return text;
}

}  // namespace sifkit::sif
