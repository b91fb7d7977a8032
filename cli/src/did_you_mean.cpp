#include "did_you_mean.hpp"

#include <algorithm>
#include <cstddef>

namespace sifkit::cli {
namespace {

// Edit distance with adjacent transpositions counted as one edit ("lsit" -> "list"), the
// commonest typing slip, which plain Levenshtein would count as two.
std::size_t typo_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    for (std::size_t j = 0; j <= b.size(); ++j) {
        d[0][j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitution = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + substitution});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

}  // namespace

std::vector<std::string> closest_names(std::string_view typed,
                                       const std::vector<std::string>& names) {
    // About one slip per three characters typed: "conver" finds "convert", "x" finds nothing.
    std::size_t best_distance = std::max<std::size_t>(1, typed.size() / 3);
    std::vector<std::string> best;
    for (const std::string& name : names) {
        const std::size_t distance = typo_distance(typed, name);
        if (distance < best_distance) {
            best.clear();
            best_distance = distance;
        }
        if (distance == best_distance) {
            best.push_back(name);
        }
    }
    if (!best.empty()) {
        return best;
    }
    // An abbreviation of exactly one name ("--comp" for "--compression").
    std::vector<std::string> prefixed;
    for (const std::string& name : names) {
        if (typed.size() >= 2 && name.starts_with(typed)) {
            prefixed.push_back(name);
        }
    }
    return prefixed.size() == 1 ? prefixed : std::vector<std::string>{};
}

}  // namespace sifkit::cli
