// "did you mean ...?" for mistyped command and option names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sifkit::cli {

// The names of `names` closest to `typed` when they are close enough to be a likely typo (a few
// edits; "lst" is as close to "ls" as to "list"), else the one name `typed` abbreviates; empty
// when there is none.
std::vector<std::string> closest_names(std::string_view typed,
                                       const std::vector<std::string>& names);

}  // namespace sifkit::cli
