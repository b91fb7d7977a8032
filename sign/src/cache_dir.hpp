// The file-system side of staging: a directory only its owner can change, per-entry locks,
// whole-file reads of small files, and the temporary copies that stages leave when they are
// killed.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace sifkit::sign::detail {

enum class MissingParents { refuse, create };

// Opens `dir` one component at a time from "/" with openat(O_NOFOLLOW), creating the last
// component (mode 0700) when it is missing, and every missing one with MissingParents::create.
// What was opened is checked, never a name resolved beforehand: the directory must be owned by
// the effective user and writable by no one else; each parent must be owned by root or that
// user and not writable by others unless sticky (as /tmp); a symbolic link on the way is
// followed only when root or that user owns it (in a sticky /tmp anyone can plant one). Returns
// the path with every link resolved, under which no one else can rename or replace anything;
// throws a usage Error naming the component at fault, an io Error when one cannot be opened.
std::filesystem::path open_private_directory(const std::filesystem::path& dir,
                                             MissingParents parents = MissingParents::refuse);

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

// Claims a stage's fresh temporary file (an AtomicFile's ".NAME.sifkit-XXXXXX", open as `fd`):
// locks it (flock, held until the process ends or the file is committed or removed), then
// marks it as a stage's (the sticky bit, which no other writer sets on a regular file). The
// order matters: a marked temporary that nobody holds locked belongs to a dead stage. Best
// effort: where the file cannot be locked it stays unmarked (and is never removed by others).
void claim_temporary(int fd) noexcept;

// Removes, from `dir`, the temporaries of stages that died without cleaning up (SIGKILL, a
// crash, a power cut): files named ".NAME.sifkit-XXXXXX", owned by the effective user, marked by
// claim_temporary and locked by no one. A live stage's temporary is locked, and an unmarked one
// may be a live stage's that has not claimed it yet, or another command's: neither is touched.
// Best effort: errors are ignored.
void remove_dead_temporaries(const std::filesystem::path& dir) noexcept;

// Removes every temporary file an AtomicFile for `destination` leaves (".NAME.sifkit-XXXXXX"),
// marked or not: also those of sifkit versions that did not mark them. Only safe while no live
// writer can exist: the caller holds the lock that every writer of `destination` takes.
void remove_stale_temporaries(const std::filesystem::path& destination) noexcept;

}  // namespace sifkit::sign::detail
