// Small text helpers every module's messages use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sifkit::sif {

// "a, b, c" (with another separator when given); "" for no items.
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace sifkit::sif
