// WWW-Authenticate parsing: bearer and basic challenges as registries send them.
#include <catch2/catch.hpp>

#include "challenge.hpp"

using sifkit::registry::parse_challenges;

TEST_CASE("a bearer challenge with realm, service and scope") {
    const auto c = parse_challenges(
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
        R"(scope="repository:library/debian:pull")");
    REQUIRE(c.size() == 1);
    CHECK(c[0].scheme == "bearer");
    CHECK(c[0].param("realm") == "https://auth.docker.io/token");
    CHECK(c[0].param("service") == "registry.docker.io");
    CHECK(c[0].param("scope") == "repository:library/debian:pull");
    CHECK(c[0].param("missing").empty());
}

TEST_CASE("several challenges, quoting and case") {
    const auto c = parse_challenges(
        R"(Basic realm="sifkit \"test\"", charset="UTF-8", BEARER Realm=https://t/x, error=invalid_token)");
    REQUIRE(c.size() == 2);
    CHECK(c[0].scheme == "basic");
    CHECK(c[0].param("realm") == "sifkit \"test\"");
    CHECK(c[0].param("charset") == "UTF-8");
    CHECK(c[1].scheme == "bearer");
    CHECK(c[1].param("realm") == "https://t/x");
    CHECK(c[1].param("error") == "invalid_token");
}

TEST_CASE("garbage does not loop or crash") {
    CHECK(parse_challenges("").empty());
    CHECK(parse_challenges(" , ,").empty());
    CHECK(parse_challenges("\"unterminated").empty());
    const auto c = parse_challenges("Bearer realm=\"no end");
    REQUIRE(c.size() == 1);
    CHECK(c[0].param("realm") == "no end");
}
