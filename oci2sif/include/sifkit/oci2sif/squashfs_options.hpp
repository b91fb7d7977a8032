// How a squashfs image is written: compressor, level, block size, threads. Shared by convert
// (convert.hpp), the repacking of a build's tree (repack.hpp) and the squashfs writer itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sifkit::oci2sif {

enum class Compressor { gzip, zstd, xz, lz4, lzo };

// "gzip", "zstd"...; nullopt for other names.
std::optional<Compressor> parse_compressor(std::string_view name) noexcept;
std::string_view name_of(Compressor compressor) noexcept;

struct SquashfsOptions {
    Compressor compressor = Compressor::gzip;
    std::optional<int> level;           // nullopt: the compressor's default (gzip 9, zstd 15...)
    std::uint32_t block_size = 131072;  // power of two, 4 KiB .. 1 MiB
    unsigned jobs = 0;                  // compression threads; 0 = every core
};

// The block size if it is a power of two between 4 KiB and 1 MiB; a usage Error otherwise.
// Takes 64 bits so that a caller parsing text checks before narrowing.
std::uint32_t checked_block_size(std::uint64_t block_size);
// Refuses (usage Error) block sizes and levels the squashfs format cannot record, before any
// work is done: one check for every way in (CLI, convert, repack, the writer).
void check_squashfs_options(const SquashfsOptions& options);

}  // namespace sifkit::oci2sif
