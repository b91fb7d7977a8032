// The time stamp an updating command writes: --time, --deterministic, SOURCE_DATE_EPOCH or now.
#pragma once

#include <cstdint>
#include <optional>
#include "cli11.hpp"

namespace sifkit::cli {

struct TimeOption {
    std::optional<std::int64_t> time;
    bool deterministic = false;

    // Adds --time and --deterministic to a command.
    void add_to(CLI::App& command);
    // nullopt means "now" (no option and no SOURCE_DATE_EPOCH).
    std::optional<std::int64_t> resolve() const;
};

// SOURCE_DATE_EPOCH as seconds, if set; a usage Error if it is not a decimal integer.
std::optional<std::int64_t> source_date_epoch();

}  // namespace sifkit::cli
