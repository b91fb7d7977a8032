// Names of the squashfs compressors, as mksquashfs and the CLI spell them.
#include "sifkit/oci2sif/convert.hpp"

namespace sifkit::oci2sif {

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

}  // namespace sifkit::oci2sif
