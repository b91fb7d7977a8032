// Room on the destination's file system for a copy: checked before the first byte is written,
// then reserved, so that a node-local disk that is too small fails early with a clear message
// (ErrorKind::no_space) instead of after minutes of copying.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace sifkit::sign::detail {

// Throws a no_space Error unless the file system holding `directory` has `bytes` available to
// this process (statvfs f_bavail: root's reserved blocks do not count for others). `what` names
// the data in the message. Nothing is reserved.
void check_space(const std::filesystem::path& directory, std::uint64_t bytes,
                 const std::string& what);

// check_space, then reserves the bytes for `fd` (fallocate, keeping the file size) where the
// file system supports it.
void reserve_space(int fd, const std::filesystem::path& directory, std::uint64_t bytes,
                   const std::string& what);

// The Error of a failed write or sync of `file`, from errno: no_space for ENOSPC and EDQUOT,
// io otherwise.
[[noreturn]] void throw_write_error(const std::string& detail, const std::string& file);

// "812 bytes", "3.4 MiB", "1.2 GiB".
std::string human_size(std::uint64_t bytes);

}  // namespace sifkit::sign::detail
