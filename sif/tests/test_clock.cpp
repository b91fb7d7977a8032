// The wall clock signatures are checked against must never run behind the clock other programs
// stamp with (a signature made a moment ago is not "from the future").
#include <catch2/catch.hpp>
#include <ctime>

#include "sifkit/sif/clock.hpp"

TEST_CASE("unix_now is never behind the precise real-time clock read just before", "[clock]") {
    // time(2) fails this for a few milliseconds after each second boundary: it is served from a
    // coarse clock. Reading until the precise clock has crossed a boundary takes at most 2 s.
    timespec start{};
    REQUIRE(clock_gettime(CLOCK_REALTIME, &start) == 0);
    long behind = 0;
    for (timespec before = start; before.tv_sec < start.tv_sec + 2;) {
        clock_gettime(CLOCK_REALTIME, &before);
        if (sifkit::sif::unix_now() < static_cast<std::int64_t>(before.tv_sec)) {
            ++behind;
        }
    }
    CHECK(behind == 0);
}
