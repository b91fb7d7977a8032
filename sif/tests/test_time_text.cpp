// SIF times as text: the RFC 3339 form OCI documents use and the minutes listings show.
#include <catch2/catch.hpp>

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
