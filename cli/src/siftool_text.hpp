// Human output of list, info and header, byte-identical to the reference siftool 2.8.3
// (aligned the way Go's text/tabwriter aligns it), plus the newer OCI types.
#pragma once

#include <ostream>

#include "sifkit/sif/image.hpp"

namespace sifkit::cli {

void write_header_text(std::ostream& out, const sif::Image& image);
void write_list_text(std::ostream& out, const sif::Image& image);
void write_info_text(std::ostream& out, const sif::Descriptor& descriptor);

// siftool's readable sizes: "27 KiB", "0 B".
std::string readable_size(std::int64_t size);
// Go's time.Time.String() of a UTC time: "2020-06-30 00:01:56 +0000 UTC".
std::string go_utc_time(std::int64_t seconds);

}  // namespace sifkit::cli
