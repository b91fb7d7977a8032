// SIF times (seconds since the Unix epoch, UTC) as text. OCI documents record times as RFC 3339
// ("created", "org.opencontainers.image.created"), listings as minutes.
#pragma once

#include <cstdint>
#include <string>

namespace sifkit::sif {

// "2024-01-02T03:04:05Z".
std::string utc_rfc3339(std::int64_t seconds);
// "2024-01-02 03:04", for listings (ls -l, cache list).
std::string utc_minutes(std::int64_t seconds);
// A year as Go's time package writes it (the reference's text): at least four digits after
// the sign, "0001", "-0001", "12345".
std::string padded_year(std::int64_t year);

}  // namespace sifkit::sif
