// Outputs that are directory trees: built in a hidden directory next to the destination and
// renamed into place when complete, removed on failure (the directory analogue of
// sif::AtomicFile).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sifkit::rootfs {

class StagingDirectory {
  public:
    // Refuses (conflict) an existing destination unless `overwrite`. The destination is taken
    // as sif::atomic_output_path() spells it ("rootfs/" is "rootfs"; ".", ".." and "/" are
    // refused), before anything is created or removed. The temporary directory is created 0700
    // (nobody else can look in while it is built); commit() gives it `mode` less the umask,
    // or leaves the mode alone when `mode` is nullopt (a caller that sets it itself).
    StagingDirectory(std::filesystem::path destination, bool overwrite,
                     std::optional<mode_t> mode = 0755);
    ~StagingDirectory();
    StagingDirectory(const StagingDirectory&) = delete;
    StagingDirectory& operator=(const StagingDirectory&) = delete;

    const std::filesystem::path& path() const noexcept { return temporary_; }
    const std::filesystem::path& destination() const noexcept { return destination_; }

    // Puts the staged tree in the destination's place. Nothing of an existing destination is
    // removed before that succeeded: the two are exchanged in one rename (RENAME_EXCHANGE; on
    // file systems without it, the old entry is first renamed aside, and back when the second
    // rename fails), and only then is the old tree removed. A destination a rename cannot
    // replace (a mount point, another user's entry in a sticky directory) is an io Error and
    // stays as it was. Returns the path of what is left of the old tree when it could not be
    // removed completely (the new tree is in place all the same), else nullopt.
    std::optional<std::filesystem::path> commit();

  private:
    std::filesystem::path destination_;
    std::filesystem::path temporary_;
    bool overwrite_;
    std::optional<mode_t> mode_;
    int registry_slot_ = -1;
    bool committed_ = false;
};

// Removes a file or a whole tree, whatever the modes of its directories; never follows a
// symbolic link. Uses a bounded number of descriptors whatever the depth (it moves through the
// tree with openat and "..", checking that ".." is the directory it came from) and never builds
// a path longer than one name. Returns false when something could not be removed.
bool remove_tree(const std::filesystem::path& path) noexcept;

// Writes `data` to a new file (mode 0644); an io Error naming it on failure.
void write_whole_file(const std::filesystem::path& path, std::string_view data);
// Calls `sink` with a file's bytes in chunks of at most 1 MiB; returns the size.
std::uint64_t read_file_chunks(const std::filesystem::path& path,
                               const std::function<void(std::span<const std::byte>)>& sink);
// "sha256:<hex>" and size of a file.
std::pair<std::string, std::uint64_t> digest_file(const std::filesystem::path& path);

}  // namespace sifkit::rootfs
