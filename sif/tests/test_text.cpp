#include <catch2/catch.hpp>

#include "sifkit/sif/text.hpp"

using sifkit::sif::join;

TEST_CASE("join lists items with a separator", "[text]") {
    CHECK(join({}) == "");
    CHECK(join({"one"}) == "one");
    CHECK(join({"a", "b", "c"}) == "a, b, c");
    CHECK(join({"a", "", "c"}) == "a, , c");
    CHECK(join({"x", "y"}, " | ") == "x | y");
}
