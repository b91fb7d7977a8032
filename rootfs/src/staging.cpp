#include "staging.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "sifkit/rootfs/sandbox.hpp"
#include "sifkit/rootfs/unpack.hpp"
#include "sifkit/sif/atomic_file.hpp"
#include "sifkit/sif/directory.hpp"
#include "sifkit/sif/error.hpp"
#include "sifkit/sif/file_io.hpp"
#include "sifkit/sif/sha256.hpp"
#include "sifkit/sif/unique_fd.hpp"

namespace sifkit::rootfs {

namespace fs = std::filesystem;

namespace {

using Fd = sif::UniqueFd;

constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// ---- the registry of temporary trees, for a signal handler -----------------------------------

// Fixed-size and lock-free, as sif's registry of temporary files: a signal handler may only
// touch plain memory.
constexpr std::size_t kRegistrySlots = 8;
std::array<std::array<char, PATH_MAX>, kRegistrySlots> g_pending_paths{};
std::array<std::atomic<bool>, kRegistrySlots> g_pending_used{};

int register_pending(const fs::path& path) noexcept {
    // Absolute: the handler must not depend on the working directory staying put.
    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec);
    if (ec || absolute.native().size() >= PATH_MAX) {
        return -1;
    }
    for (std::size_t i = 0; i < kRegistrySlots; ++i) {
        bool expected = false;
        if (g_pending_used[i].compare_exchange_strong(expected, true)) {
            std::memcpy(g_pending_paths[i].data(), absolute.c_str(), absolute.native().size() + 1);
            return static_cast<int>(i);
        }
    }
    return -1;  // more live trees than slots: the extra ones are not removed on a signal
}

void unregister_pending(int slot) noexcept {
    if (slot >= 0) {
        g_pending_used[static_cast<std::size_t>(slot)].store(false);
    }
}

// ---- removing trees with a bounded number of descriptors -----------------------------------

// A directory: device and inode, and the mount it belongs to (STATX_MNT_ID; 0 when the kernel
// does not say), so that a removal never goes into another mounted file system.
struct Identity {
    dev_t dev = 0;
    ino_t ino = 0;
    std::uint64_t mount = 0;
    bool operator==(const Identity&) const = default;
    bool same_mount(const Identity& other) const {
        return dev == other.dev && mount == other.mount;
    }
};

bool identify(int fd, Identity& out) noexcept {
    struct ::statx st {};
    if (::statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &st) != 0) {
        return false;
    }
    out = {makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino,
           (st.stx_mask & STATX_MNT_ID) != 0 ? st.stx_mnt_id : 0};
    return true;
}

// Moves from directory `fd` to its parent, which must be `expected` (a directory renamed
// elsewhere meanwhile would otherwise take the removal out of the tree). -1 when it is not.
int open_parent(int fd, const Identity& expected) noexcept {
    const int parent = ::openat(fd, "..", kDirectoryFlags);
    if (parent < 0) {
        return -1;
    }
    Identity found;
    if (!identify(parent, found) || !(found == expected)) {
        ::close(parent);
        return -1;
    }
    return parent;
}

// Opens the directory `name` of `parent` for removal and makes it writable and searchable (an
// image's read-only or mode-0 directory). Never through a symbolic link put in its place: the
// mode is changed on the opened directory, or with AT_SYMLINK_NOFOLLOW when it cannot be opened.
int open_for_removal(int parent, const char* name) noexcept {
    int fd = ::openat(parent, name, kDirectoryFlags);
    if (fd < 0 && errno == EACCES && ::fchmodat(parent, name, S_IRWXU, AT_SYMLINK_NOFOLLOW) == 0) {
        fd = ::openat(parent, name, kDirectoryFlags);
    }
    struct ::stat st {};
    if (fd >= 0 && ::fstat(fd, &st) == 0 && (st.st_mode & S_IRWXU) != S_IRWXU) {
        ::fchmod(fd, (st.st_mode & 07777) | S_IRWXU);  // may fail (not ours): unlinks then say so
    }
    return fd;
}

struct Entry {
    std::string name;
    bool directory;
};

// The entries of directory `fd` (without . and ..), read whole before anything is removed.
bool list_directory(int fd, std::vector<Entry>& out) {
    const int copy = ::openat(fd, ".", kDirectoryFlags);
    if (copy < 0) {
        return false;
    }
    const sif::UniqueDir dir(::fdopendir(copy));
    if (!dir) {
        ::close(copy);
        return false;
    }
    bool ok = true;
    while (true) {
        errno = 0;
        const dirent* d = ::readdir(dir.get());
        if (d == nullptr) {
            ok = errno == 0;
            break;
        }
        if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) {
            continue;
        }
        bool directory = d->d_type == DT_DIR;
        if (d->d_type == DT_UNKNOWN) {
            struct ::stat st {};
            directory =
                ::fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
        }
        out.push_back({d->d_name, directory});
    }
    return ok;
}

// Empties directory `top` (an open descriptor) and everything below it. One descriptor at a
// time: the walk goes down with openat and back up with "..", each level remembering the
// subdirectories it has yet to visit.
bool empty_directory(int top) {
    struct Level {
        Identity identity;
        std::vector<std::string> subdirectories;  // still to visit, last first
        std::string current;                      // the subdirectory being visited
    };
    std::vector<Level> levels;
    bool complete = true;
    Fd fd(::openat(top, ".", kDirectoryFlags));
    const auto enter = [&](int dir) {
        Level level;
        if (!identify(dir, level.identity)) {
            return false;
        }
        std::vector<Entry> entries;
        complete &= list_directory(dir, entries);
        for (const Entry& entry : entries) {
            if (!entry.directory) {
                if (::unlinkat(dir, entry.name.c_str(), 0) != 0 && errno != ENOENT) {
                    complete = false;
                }
            } else if (::unlinkat(dir, entry.name.c_str(), AT_REMOVEDIR) != 0) {
                level.subdirectories.push_back(entry.name);  // not empty (or not ours)
            }
        }
        levels.push_back(std::move(level));
        return true;
    };
    if (!fd || !enter(fd.get())) {
        return false;
    }
    while (!levels.empty()) {
        Level& level = levels.back();
        if (!level.current.empty()) {
            // Back from a subdirectory: it is empty now, unless something in it stayed.
            if (::unlinkat(fd.get(), level.current.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
                complete = false;
            }
            level.current.clear();
        }
        if (!level.subdirectories.empty()) {
            level.current = std::move(level.subdirectories.back());
            level.subdirectories.pop_back();
            Fd child(open_for_removal(fd.get(), level.current.c_str()));
            if (!child) {
                complete = false;
                level.current.clear();
                continue;
            }
            Identity identity;
            if (!identify(child.get(), identity) || !identity.same_mount(levels.front().identity)) {
                complete = false;  // a file system mounted inside the tree is not ours to empty
                level.current.clear();
                continue;
            }
            fd = std::move(child);
            if (!enter(fd.get())) {
                return false;
            }
            continue;
        }
        levels.pop_back();
        if (levels.empty()) {
            break;
        }
        Fd parent(open_parent(fd.get(), levels.back().identity));
        if (!parent) {
            return false;  // moved meanwhile: stop rather than remove what is not the tree
        }
        fd = std::move(parent);
    }
    return complete;
}

// The signal handler's version: no allocation (fixed arrays, a buffer for getdents64 on the
// stack), so it rescans a directory after each subdirectory it visited, skipping the ones
// already visited (what stayed in them cannot be removed). At most kSignalDepth levels and
// kSignalSteps descents, so that it always ends.
constexpr std::size_t kSignalDepth = 1024;
constexpr std::size_t kSignalVisited = 4096;
constexpr std::size_t kSignalSteps = std::size_t{1} << 20;
Identity g_signal_levels[kSignalDepth];
ino_t g_signal_visited[kSignalVisited];

bool visited(ino_t inode, std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; ++i) {
        if (g_signal_visited[i] == inode) {
            return true;
        }
    }
    return false;
}

struct LinuxDirent64 {
    ino64_t d_ino;
    off64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[1];
};

// Runs in a signal handler: plain descriptors and system calls only (no allocation, no
// exceptions), each closed by hand on every path.
void remove_tree_signal_safe(const char* path) noexcept {
    int fd = ::open(path, kDirectoryFlags);
    if (fd < 0) {
        return;
    }
    std::size_t depth = 0;
    std::size_t visited_count = 0;
    if (!identify(fd, g_signal_levels[0])) {
        ::close(fd);
        return;
    }
    alignas(8) char buffer[4096];
    for (std::size_t steps = 0; steps < kSignalSteps; ++steps) {
        bool descended = false;
        ::lseek(fd, 0, SEEK_SET);
        while (!descended) {
            const long n = ::syscall(SYS_getdents64, fd, buffer, sizeof(buffer));
            if (n <= 0) {
                break;
            }
            for (long at = 0; at < n;) {
                const auto* d = reinterpret_cast<const LinuxDirent64*>(buffer + at);
                at += d->d_reclen;
                const char* name = d->d_name;
                if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) {
                    continue;
                }
                if (::unlinkat(fd, name, 0) == 0 || ::unlinkat(fd, name, AT_REMOVEDIR) == 0) {
                    continue;
                }
                if (errno != ENOTEMPTY && errno != EEXIST) {
                    continue;
                }
                if (depth + 1 >= kSignalDepth || visited(d->d_ino, visited_count)) {
                    continue;
                }
                const int child = open_for_removal(fd, name);
                if (child < 0) {
                    continue;
                }
                if (!identify(child, g_signal_levels[depth + 1]) ||
                    !g_signal_levels[depth + 1].same_mount(g_signal_levels[0])) {
                    ::close(child);
                    continue;
                }
                ::close(fd);
                fd = child;
                ++depth;
                descended = true;
                break;
            }
        }
        if (descended) {
            continue;
        }
        if (depth == 0) {
            break;
        }
        if (visited_count < kSignalVisited) {
            g_signal_visited[visited_count++] = g_signal_levels[depth].ino;
        }
        const int parent = open_parent(fd, g_signal_levels[depth - 1]);
        ::close(fd);
        if (parent < 0) {
            return;
        }
        fd = parent;
        --depth;
    }
    ::close(fd);
    ::rmdir(path);
}

std::string random_suffix() {
    std::random_device random;
    return std::to_string(random());
}

}  // namespace

StagingDirectory::StagingDirectory(fs::path destination, bool overwrite, std::optional<mode_t> mode)
    : destination_(sif::atomic_output_path(destination)), overwrite_(overwrite), mode_(mode) {
    std::error_code ec;
    if (fs::symlink_status(destination_, ec).type() != fs::file_type::not_found && !overwrite_) {
        throw Error(ErrorKind::conflict, "destination exists (use --force to replace it)",
                    destination_.string());
    }
    const fs::path parent = destination_.has_parent_path() ? destination_.parent_path() : ".";
    temporary_ = parent / ("." + destination_.filename().string() + ".sifkit-" + random_suffix());
    if (::mkdir(temporary_.c_str(), 0700) != 0) {
        throw_errno("cannot create a temporary directory next to", destination_.string());
    }
    registry_slot_ = register_pending(temporary_);
}

StagingDirectory::~StagingDirectory() {
    if (!committed_) {
        remove_tree(temporary_);
    }
    unregister_pending(registry_slot_);
}

std::optional<fs::path> StagingDirectory::commit() {
    const std::string shown = destination_.string();
    if (mode_) {
        const mode_t mask = ::umask(0);
        ::umask(mask);
        if (::chmod(temporary_.c_str(), *mode_ & ~mask) != 0) {
            throw_errno("cannot set the mode of", shown);
        }
    }
    std::error_code ec;
    const bool exists = fs::symlink_status(destination_, ec).type() != fs::file_type::not_found;
    if (!overwrite_ || !exists) {
        // RENAME_NOREPLACE: a destination that appeared meanwhile is refused, not replaced.
        if (::renameat2(AT_FDCWD, temporary_.c_str(), AT_FDCWD, destination_.c_str(),
                        RENAME_NOREPLACE) != 0) {
            if (errno == EEXIST) {
                if (overwrite_) {
                    return commit();  // appeared meanwhile: replace it like any other
                }
                throw Error(ErrorKind::conflict, "destination exists (use --force to replace it)",
                            shown);
            }
            if (errno != EINVAL && errno != ENOSYS) {
                throw_errno("cannot rename the output into place", shown);
            }
            // File systems without RENAME_NOREPLACE: rename() refuses a non-empty directory
            // and, for a directory, anything but a directory.
            if (::rename(temporary_.c_str(), destination_.c_str()) != 0) {
                throw_errno("cannot rename the output into place", shown);
            }
        }
        committed_ = true;
        return std::nullopt;
    }
    // Replace: exchange the two, so that the destination is never missing and nothing of it is
    // removed unless the new tree took its place.
    fs::path old = temporary_;
    if (::renameat2(AT_FDCWD, temporary_.c_str(), AT_FDCWD, destination_.c_str(),
                    RENAME_EXCHANGE) != 0) {
        if (errno == ENOENT) {
            overwrite_ = false;  // gone meanwhile: nothing to replace any more
            return commit();
        }
        if (errno != EINVAL && errno != ENOSYS) {
            throw_errno("cannot replace", shown);
        }
        // Without RENAME_EXCHANGE: the old entry aside first, then the new one in its place;
        // when that fails, the old one goes back.
        old = temporary_.parent_path() /
              ("." + destination_.filename().string() + ".sifkit-old-" + random_suffix());
        const bool aside = ::renameat2(AT_FDCWD, destination_.c_str(), AT_FDCWD, old.c_str(),
                                       RENAME_NOREPLACE) == 0 ||
                           ((errno == EINVAL || errno == ENOSYS) &&
                            ::rename(destination_.c_str(), old.c_str()) == 0);
        if (!aside) {
            throw_errno("cannot replace", shown);
        }
        if (::rename(temporary_.c_str(), destination_.c_str()) != 0) {
            const int saved = errno;
            ::rename(old.c_str(), destination_.c_str());
            errno = saved;
            throw_errno("cannot replace", shown);
        }
    }
    committed_ = true;
    // The old tree is out of the way under a temporary name: remove it, whatever happens now.
    unregister_pending(registry_slot_);
    registry_slot_ = register_pending(old);
    const bool removed = remove_tree(old);
    unregister_pending(registry_slot_);
    registry_slot_ = -1;
    if (!removed && fs::symlink_status(old, ec).type() != fs::file_type::not_found) {
        return old;
    }
    return std::nullopt;
}

bool remove_tree(const fs::path& path) noexcept {
    try {
        const fs::path parent = path.has_parent_path() ? path.parent_path() : ".";
        const std::string name = path.filename().string();
        // The parent as the caller spelled it (it may be reached through a symbolic link).
        Fd dir(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir) {
            return errno == ENOENT;
        }
        if (::unlinkat(dir.get(), name.c_str(), 0) == 0 || errno == ENOENT) {
            return true;
        }
        if (::unlinkat(dir.get(), name.c_str(), AT_REMOVEDIR) == 0) {
            return true;
        }
        Fd top(open_for_removal(dir.get(), name.c_str()));
        if (!top) {
            return false;
        }
        const bool emptied = empty_directory(top.get());
        top.reset();
        return ::unlinkat(dir.get(), name.c_str(), AT_REMOVEDIR) == 0 && emptied;
    } catch (...) {
        return false;  // out of memory listing a directory
    }
}

WorkDirectory::WorkDirectory(const fs::path& parent, std::string_view prefix) {
    path_ = parent / (std::string(prefix) + "-" + random_suffix());
    if (::mkdir(path_.c_str(), 0700) != 0) {
        throw_errno("cannot create a work directory in", parent.string());
    }
    registry_slot_ = register_pending(path_);
}

WorkDirectory::~WorkDirectory() {
    remove();
}

bool WorkDirectory::remove() noexcept {
    if (!removed_) {
        removed_ = remove_tree(path_);
        if (removed_) {
            unregister_pending(registry_slot_);
            registry_slot_ = -1;
        }
    }
    return removed_;
}

namespace {

// nftw() takes a plain function: the walk's running total lives here (one walk at a time).
thread_local std::uint64_t g_usage_bytes = 0;
thread_local std::set<std::pair<dev_t, ino_t>>* g_usage_linked = nullptr;

int count_usage(const char*, const struct stat* st, int, struct FTW*) {
    if (st->st_nlink > 1 && !S_ISDIR(st->st_mode) &&
        !g_usage_linked->insert({st->st_dev, st->st_ino}).second) {
        return 0;
    }
    g_usage_bytes += static_cast<std::uint64_t>(st->st_blocks) * 512;
    return 0;
}

}  // namespace

std::uint64_t WorkDirectory::disk_usage() const {
    std::set<std::pair<dev_t, ino_t>> linked;
    g_usage_bytes = 0;
    g_usage_linked = &linked;
    ::nftw(path_.c_str(), count_usage, 16, FTW_PHYS | FTW_MOUNT);
    g_usage_linked = nullptr;
    return g_usage_bytes;
}

// Declared in sifkit/rootfs/unpack.hpp, for the CLI's signal handler.
void remove_pending_output_directories() noexcept {
    for (std::size_t i = 0; i < kRegistrySlots; ++i) {
        if (g_pending_used[i].load()) {
            remove_tree_signal_safe(g_pending_paths[i].data());
        }
    }
}

void write_whole_file(const fs::path& path, std::string_view data) {
    sif::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
        throw_errno("cannot create", path.string());
    }
    sif::write_full(fd.get(), std::as_bytes(std::span(data.data(), data.size())), path.string(),
                    "cannot write");
    if (::close(fd.release()) != 0) {
        throw_errno("cannot write", path.string());
    }
}

std::uint64_t read_file_chunks(const fs::path& path,
                               const std::function<void(std::span<const std::byte>)>& sink) {
    const sif::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        throw_errno("cannot open", path.string());
    }
    std::vector<std::byte> buffer(1 << 20);
    std::uint64_t size = 0;
    while (true) {
        const std::size_t n = sif::read_some(fd.get(), buffer, path.string(), "cannot read");
        if (n == 0) {
            break;
        }
        sink(std::span<const std::byte>(buffer.data(), n));
        size += n;
    }
    return size;
}

std::pair<std::string, std::uint64_t> digest_file(const fs::path& path) {
    sif::Sha256 hasher;
    const std::uint64_t size =
        read_file_chunks(path, [&](std::span<const std::byte> chunk) { hasher.update(chunk); });
    return {hasher.finish(), size};
}

}  // namespace sifkit::rootfs
