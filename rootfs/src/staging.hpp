// Outputs that are directory trees: built in a hidden directory next to the destination and
// renamed into place when complete, removed on failure (the directory analogue of
// sif::AtomicFile).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace sifkit::rootfs {

class StagingDirectory {
  public:
    // Refuses (conflict) an existing destination unless `overwrite`. The destination is taken
    // as sif::atomic_output_path() spells it ("rootfs/" is "rootfs"; ".", ".." and "/" are
    // refused), before anything is created or removed.
    StagingDirectory(std::filesystem::path destination, bool overwrite);
    ~StagingDirectory();
    StagingDirectory(const StagingDirectory&) = delete;
    StagingDirectory& operator=(const StagingDirectory&) = delete;

    const std::filesystem::path& path() const noexcept { return temporary_; }
    // Replaces the destination with the staged tree.
    void commit();

  private:
    std::filesystem::path destination_;
    std::filesystem::path temporary_;
    bool overwrite_;
    bool committed_ = false;
};

// Removes a tree, making its directories writable first (a read-only directory of an image).
void remove_tree(const std::filesystem::path& path) noexcept;

// Writes `data` to a new file (mode 0644); an io Error naming it on failure.
void write_whole_file(const std::filesystem::path& path, std::string_view data);
// Calls `sink` with a file's bytes in chunks of at most 1 MiB; returns the size.
std::uint64_t read_file_chunks(const std::filesystem::path& path,
                               const std::function<void(std::span<const std::byte>)>& sink);
// "sha256:<hex>" and size of a file.
std::pair<std::string, std::uint64_t> digest_file(const std::filesystem::path& path);

}  // namespace sifkit::rootfs
