// Machine-readable views of headers and descriptors for --json (fields documented, and kept
// stable, in docs/cli.md).
#pragma once

#include <nlohmann/json.hpp>

#include "sifkit/sif/image.hpp"

namespace sifkit::cli {

nlohmann::ordered_json header_json(const sif::Image& image);
nlohmann::ordered_json descriptor_json(const sif::Image& image, const sif::Descriptor& descriptor);
nlohmann::ordered_json list_json(const sif::Image& image);

}  // namespace sifkit::cli
