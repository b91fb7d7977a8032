// SIF times as text: the RFC 3339 form OCI documents use and the minutes listings show.
#include <catch2/catch.hpp>
#include <limits>

#include "sifkit/sif/time_text.hpp"

using namespace sifkit::sif;

TEST_CASE("times as RFC 3339 and as minutes, in UTC", "[time]") {
    CHECK(utc_rfc3339(0) == "1970-01-01T00:00:00Z");
    CHECK(utc_rfc3339(1704164645) == "2024-01-02T03:04:05Z");
    CHECK(utc_minutes(1704164645) == "2024-01-02 03:04");
    CHECK(utc_rfc3339(-1) == "1969-12-31T23:59:59Z");
    // The reference's "unset" time (year 1) still formats.
    CHECK(utc_rfc3339(-62135596800) == "0001-01-01T00:00:00Z");
}

TEST_CASE("years are padded to four digits after the sign, as Go prints them", "[time]") {
    CHECK(padded_year(7) == "0007");
    CHECK(padded_year(2024) == "2024");
    CHECK(padded_year(12345) == "12345");
    CHECK(padded_year(-1) == "-0001");
    CHECK(padded_year(-999) == "-0999");
    CHECK(padded_year(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
    CHECK(utc_minutes(-62167305600) == "-0001-12-31 00:00");
}
