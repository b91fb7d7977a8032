// Names of the squashfs compressors as mksquashfs and the CLI spell them, and the one check of
// the options a squashfs image is written with (the CLI, convert, repack and the writer all
// call it, so a value is refused with the same words wherever it comes from).
#include <sqfs/compressor.h>
#include <sqfs/super.h>

#include <string>

#include "sifkit/oci2sif/squashfs_options.hpp"
#include "sifkit/sif/error.hpp"

namespace sifkit::oci2sif {
namespace {

// Levels the squashfs format can record for each compressor (its options block).
std::pair<int, int> level_range(Compressor compressor) {
    switch (compressor) {
        case Compressor::gzip:
            return {SQFS_GZIP_MIN_LEVEL, SQFS_GZIP_MAX_LEVEL};
        case Compressor::zstd:
            return {SQFS_ZSTD_MIN_LEVEL, SQFS_ZSTD_MAX_LEVEL};
        case Compressor::xz:
            return {SQFS_XZ_MIN_LEVEL, SQFS_XZ_MAX_LEVEL};
        case Compressor::lzo:
            return {1, SQFS_LZO_MAX_LEVEL};  // LZO1X-999 levels
        case Compressor::lz4:
            break;
    }
    return {0, 0};  // lz4 has no levels in squashfs
}

}  // namespace

std::optional<Compressor> parse_compressor(std::string_view name) noexcept {
    for (const Compressor c :
         {Compressor::gzip, Compressor::zstd, Compressor::xz, Compressor::lz4, Compressor::lzo}) {
        if (name == name_of(c)) {
            return c;
        }
    }
    return std::nullopt;
}

std::string_view name_of(Compressor compressor) noexcept {
    switch (compressor) {
        case Compressor::gzip:
            return "gzip";
        case Compressor::zstd:
            return "zstd";
        case Compressor::xz:
            return "xz";
        case Compressor::lz4:
            return "lz4";
        case Compressor::lzo:
            return "lzo";
    }
    return "gzip";
}

std::uint32_t checked_block_size(std::uint64_t block_size) {
    if (block_size < SQFS_MIN_BLOCK_SIZE || block_size > SQFS_MAX_BLOCK_SIZE ||
        (block_size & (block_size - 1)) != 0) {
        throw Error(ErrorKind::usage, "block size " + std::to_string(block_size) +
                                          " is not a power of two between 4 KiB and 1 MiB");
    }
    return static_cast<std::uint32_t>(block_size);
}

void check_squashfs_options(const SquashfsOptions& options) {
    checked_block_size(options.block_size);
    if (options.level) {
        const auto [low, high] = level_range(options.compressor);
        if (low == high && *options.level != low) {
            throw Error(ErrorKind::usage, std::string(name_of(options.compressor)) +
                                              " has no compression levels; leave out --level");
        }
        if (*options.level < low || *options.level > high) {
            throw Error(ErrorKind::usage, std::string(name_of(options.compressor)) +
                                              " levels are " + std::to_string(low) + ".." +
                                              std::to_string(high) + ", not " +
                                              std::to_string(*options.level));
        }
    }
}

}  // namespace sifkit::oci2sif
