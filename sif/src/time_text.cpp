#include "sifkit/sif/time_text.hpp"

#include <cstdio>
#include <ctime>
#include <optional>

namespace sifkit::sif {
namespace {

std::optional<std::tm> utc(std::int64_t seconds) {
    const auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    if (::gmtime_r(&t, &tm) == nullptr) {
        return std::nullopt;  // a year outside what struct tm holds
    }
    return tm;
}

}  // namespace

// snprintf rather than strftime: RFC 3339 wants four-digit years, and glibc's %Y prints year 1
// (the reference's "unset" time) as "1".
std::string utc_rfc3339(std::int64_t seconds) {
    const auto tm = utc(seconds);
    if (!tm) {
        return "?";
    }
    char text[64];
    std::snprintf(text, sizeof text, "-%02d-%02dT%02d:%02d:%02dZ", tm->tm_mon + 1, tm->tm_mday,
                  tm->tm_hour, tm->tm_min, tm->tm_sec);
    return padded_year(std::int64_t{tm->tm_year} + 1900) + text;
}

std::string utc_minutes(std::int64_t seconds) {
    const auto tm = utc(seconds);
    if (!tm) {
        return "?";
    }
    char text[64];
    std::snprintf(text, sizeof text, "-%02d-%02d %02d:%02d", tm->tm_mon + 1, tm->tm_mday,
                  tm->tm_hour, tm->tm_min);
    return padded_year(std::int64_t{tm->tm_year} + 1900) + text;
}

std::string padded_year(std::int64_t year) {
    char text[32];
    // The magnitude as unsigned: no overflow for the most negative year either.
    const auto magnitude = year < 0 ? 0 - static_cast<unsigned long long>(year)
                                    : static_cast<unsigned long long>(year);
    std::snprintf(text, sizeof text, "%s%04llu", year < 0 ? "-" : "", magnitude);
    return text;
}

}  // namespace sifkit::sif
