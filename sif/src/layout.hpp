// Internal rules about where things go in a SIF file, shared by the loader and the writers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sifkit/sif/descriptor.hpp"
#include "sifkit/sif/header.hpp"

namespace sifkit::sif::detail {

// The reference's nextAligned(): rounds up with bit masking, so it is exact for powers of two
// and reproduces the reference's placement for any other alignment too.
std::uint64_t next_aligned(std::uint64_t offset, std::uint64_t alignment) noexcept;

// Size in bytes of the descriptor table the header declares (dtotal slots).
std::uint64_t table_bytes(const Header& header) noexcept;

// Checks the header against the file before the table is read: magic, version, counts and the
// table's position. Throws an invalid_image Error naming `file`.
void validate_header(const Header& header, std::uint64_t file_size, const std::string& file);

// Checks every used descriptor: IDs unique and non-zero, sizes and offsets sane, data inside the
// file and inside the data section, no overlap with the header, the table or each other.
void validate_objects(const Header& header, const std::vector<Descriptor>& slots,
                      std::uint64_t file_size, const std::string& file);

}  // namespace sifkit::sif::detail
