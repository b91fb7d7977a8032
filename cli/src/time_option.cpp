#include "time_option.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "sifkit/sif/error.hpp"
#include "sifkit/sif/types.hpp"

namespace sifkit::cli {

void TimeOption::add_to(CLI::App& command) {
    auto* time_flag =
        command.add_option("--time", time,
                           "Time stamp to record, in seconds since the epoch (default: now, or "
                           "SOURCE_DATE_EPOCH when set)");
    auto* deterministic_flag =
        command.add_flag("--deterministic", deterministic,
                         "Record the reference's unset time (0001-01-01) for reproducible output");
    time_flag->excludes(deterministic_flag);
}

std::optional<std::int64_t> TimeOption::resolve() const {
    if (deterministic) {
        return sif::kUnsetTime;
    }
    if (time) {
        return time;
    }
    return source_date_epoch();
}

std::optional<std::int64_t> source_date_epoch() {
    const char* text = std::getenv("SOURCE_DATE_EPOCH");
    if (text == nullptr || *text == '\0') {
        return std::nullopt;
    }
    std::int64_t value = 0;
    const char* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, value);
    if (ec != std::errc() || ptr != end) {
        throw Error(ErrorKind::usage,
                    std::string("SOURCE_DATE_EPOCH is not a number of seconds: ") + text);
    }
    return value;
}

}  // namespace sifkit::cli
