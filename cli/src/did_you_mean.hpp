// "did you mean ...?" for mistyped command and option names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sifkit::cli {

// The one name of `names` closest to `typed` when it is close enough to be a likely typo
// (a few edits, or `typed` is a prefix of exactly one name); nullopt otherwise.
std::optional<std::string> closest_name(std::string_view typed,
                                        const std::vector<std::string>& names);

}  // namespace sifkit::cli
