#include "sifkit/squashfs/status.hpp"

#include <sqfs/error.h>

namespace sifkit::squashfs {

const char* describe_status(int status, Use use) noexcept {
    const bool reading = use == Use::reading;
    switch (status) {
        case SQFS_ERROR_ALLOC:
            return reading
                       ? "it needs more memory than there is (sizes in the image are impossible)"
                       : "out of memory";
        case SQFS_ERROR_IO:
            return "I/O error";
        case SQFS_ERROR_COMPRESSOR:
            return reading ? "data does not decompress" : "compressor error";
        case SQFS_ERROR_CORRUPTED:
            return "corrupted";
        case SQFS_ERROR_UNSUPPORTED:
            return reading ? "unsupported feature" : "unsupported";
        case SQFS_ERROR_OVERFLOW:
            return reading ? "a size or count overflows"
                           : "a size or count overflows the squashfs format";
        case SQFS_ERROR_OUT_OF_BOUNDS:
            return reading ? "a reference points outside the file system" : "out of bounds";
        case -9:  // SQFS_ERROR_SUPER_MAGIC
            return "no squashfs magic";
        case -10:  // SQFS_ERROR_SUPER_VERSION
            return "not squashfs version 4.0";
        case SQFS_ERROR_SUPER_BLOCK_SIZE:
            return "impossible block size";
        case SQFS_ERROR_NOT_DIR:
            return "not a directory";
        case SQFS_ERROR_NO_ENTRY:
            return "no such entry";
        case SQFS_ERROR_LINK_LOOP:
            return "hard link loop";
        case SQFS_ERROR_NOT_FILE:
            return "not a regular file";
        case SQFS_ERROR_ARG_INVALID:
            return "invalid argument";
        case SQFS_ERROR_SEQUENCE:
            return "calls out of sequence";
        default:
            return "internal error";
    }
}

}  // namespace sifkit::squashfs
