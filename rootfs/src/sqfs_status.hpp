// Words for libsquashfs's error codes, for messages.
#pragma once

namespace sifkit::rootfs {

const char* describe_sqfs_status(int status) noexcept;

}  // namespace sifkit::rootfs
