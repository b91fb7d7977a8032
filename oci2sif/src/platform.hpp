// Image platforms ("linux/arm64/v8"), for choosing one manifest out of a multi-platform index.
#pragma once

#include <string>
#include <string_view>

namespace sifkit::oci2sif {

struct Platform {
    std::string os;
    std::string architecture;  // Go name
    std::string variant;       // may be empty

    // The machine sifkit runs on (linux/<arch>, with the default variant of arm and arm64).
    static Platform host();
    // "os/arch[/variant]"; a usage Error when malformed.
    static Platform parse(std::string_view text);

    // Whether an image of platform `candidate` runs here: os and architecture equal, and the
    // variant equal when both name one (an unnamed variant means the architecture's default).
    bool accepts(const Platform& candidate) const;
    std::string to_string() const;
};

}  // namespace sifkit::oci2sif
