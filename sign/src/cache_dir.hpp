// The file-system side of the stage cache: a directory only its owner can change, per-entry
// locks, and whole-file reads of small files.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace sifkit::sign::detail {

// Creates `dir` (mode 0700) when missing, then checks it: a directory owned by the effective
// user and writable by no one else, whose parents are owned by root or that user and are not
// writable by others unless sticky (as /tmp). Returns the canonical path; throws a usage Error
// naming the directory at fault.
std::filesystem::path open_private_directory(const std::filesystem::path& dir);

// An exclusive flock on a lock file, held for the object's lifetime.
class LockFile {
  public:
    // Opens (creating, 0600) and locks `path`; calls `on_wait` once before blocking when
    // another process holds it. `waited()` tells whether it had to.
    LockFile(const std::filesystem::path& path, const std::function<void()>& on_wait);
    ~LockFile();
    LockFile(const LockFile&) = delete;
    LockFile& operator=(const LockFile&) = delete;
    bool waited() const noexcept { return waited_; }

  private:
    int fd_ = -1;
    bool waited_ = false;
};

// The contents of a small regular file owned by the effective user, opened without following
// symbolic links; nullopt when it is missing, not such a file or larger than `limit` bytes.
std::optional<std::string> read_own_file(const std::filesystem::path& path, std::size_t limit);

// Removes the temporary files an AtomicFile for `destination` leaves when its process is killed
// with SIGKILL (".NAME.sifkit-XXXXXX"). Only safe while no live writer can exist: the caller
// holds the lock that every writer of `destination` takes.
void remove_stale_temporaries(const std::filesystem::path& destination) noexcept;

}  // namespace sifkit::sign::detail
