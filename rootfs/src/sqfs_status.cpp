#include "sqfs_status.hpp"

#include <sqfs/error.h>

namespace sifkit::rootfs {

const char* describe_sqfs_status(int status) noexcept {
    switch (status) {
        case SQFS_ERROR_ALLOC:
            return "it needs more memory than there is (sizes in the image are impossible)";
        case SQFS_ERROR_IO:
            return "I/O error";
        case SQFS_ERROR_COMPRESSOR:
            return "data does not decompress";
        case SQFS_ERROR_CORRUPTED:
            return "corrupted";
        case SQFS_ERROR_UNSUPPORTED:
            return "unsupported feature";
        case SQFS_ERROR_OVERFLOW:
            return "a size or count overflows";
        case SQFS_ERROR_OUT_OF_BOUNDS:
            return "a reference points outside the file system";
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

}  // namespace sifkit::rootfs
