// Comparing sifkit's JSON with a peer's (skopeo inspect): every field the peer prints must be in
// ours with the same value. Header-only: it uses Catch2's assertions, which only the test
// executables link, not the support library.
#pragma once

#include <catch2/catch.hpp>
#include <cstddef>
#include <nlohmann/json.hpp>

namespace sifkit::test {

// Checks each of `theirs`' fields against `ours`, and that at least `at_least` were compared
// (a peer printing nothing must not pass).
inline void check_same_fields(const nlohmann::json& ours, const nlohmann::json& theirs,
                              std::size_t at_least) {
    std::size_t compared = 0;
    for (const auto& [key, value] : theirs.items()) {
        INFO("field " << key);
        REQUIRE(ours.contains(key));
        CHECK(ours[key] == value);
        ++compared;
    }
    CHECK(compared >= at_least);
}

}  // namespace sifkit::test
