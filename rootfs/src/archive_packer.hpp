// Packing staged files into an uncompressed tar archive (oci-archive, docker-archive) with
// fixed metadata (root-owned, one time stamp), so that the same blobs give the same bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "archive_output.hpp"

namespace sifkit::rootfs {

class ArchivePacker {
  public:
    ArchivePacker(int fd, std::string target, std::int64_t mtime);
    ArchivePacker(const ArchivePacker&) = delete;
    ArchivePacker& operator=(const ArchivePacker&) = delete;

    void add_directory(const std::string& name);
    void add_file(const std::string& name, const std::filesystem::path& source);
    void finish();

  private:
    ArchiveOutput out_;
    std::int64_t mtime_;
};

}  // namespace sifkit::rootfs
